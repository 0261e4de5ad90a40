window.YTD.direct_messages.part1 = [
  {
    "dmConversation" : {
      "conversationId" : "1111111111-3333333333",
      "messages" : [
        {
          "messageCreate" : {
            "recipientId" : "1111111111",
            "reactions" : [ ],
            "urls" : [ ],
            "text" : "New account, same me.",
            "mediaUrls" : [ ],
            "senderId" : "3333333333",
            "id" : "1660000000000000050",
            "createdAt" : "2023-06-03T07:00:00.000Z",
            "editHistory" : [ ]
          }
        }
      ]
    }
  }
]
