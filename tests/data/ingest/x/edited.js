window.YTD.direct_messages.part0 = [
  {
    "dmConversation" : {
      "conversationId" : "1111111111-2222222222",
      "messages" : [
        {
          "messageCreate" : {
            "recipientId" : "1111111111",
            "reactions" : [ ],
            "urls" : [ ],
            "text" : "I never said that.",
            "mediaUrls" : [ ],
            "senderId" : "2222222222",
            "id" : "1660000000000000100",
            "createdAt" : "2023-06-04T20:00:00.000Z",
            "editHistory" : [
              {
                "editedAt" : "2023-06-04T20:03:00.000Z",
                "previousText" : "I will be there tonight."
              }
            ]
          }
        },
        {
          "messageCreate" : {
            "recipientId" : "1111111111",
            "reactions" : [ ],
            "urls" : [ ],
            "text" : "This one has a broken time.",
            "mediaUrls" : [ ],
            "senderId" : "2222222222",
            "id" : "1660000000000000101",
            "createdAt" : "yesterday",
            "editHistory" : [ ]
          }
        }
      ]
    }
  }
]
