window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "alex@example.com",
      "createdVia" : "web",
      "username" : "alex_example",
      "accountId" : "1111111111",
      "createdAt" : "2015-04-01T10:00:00.000Z",
      "accountDisplayName" : "Alex Morgan"
    }
  }
]
