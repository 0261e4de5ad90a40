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
            "text" : "I know you moved. Nice blue door. https://t.co/AbCdEf0123",
            "mediaUrls" : [
              "https://ton.twitter.com/dm/1660000000000000003/1660000000000000099/kT3xQ.jpg"
            ],
            "senderId" : "2222222222",
            "id" : "1660000000000000003",
            "createdAt" : "2023-06-01T18:40:00.250Z",
            "editHistory" : [ ]
          }
        },
        {
          "messageCreate" : {
            "recipientId" : "2222222222",
            "reactions" : [ ],
            "urls" : [ ],
            "text" : "Please stop messaging me.",
            "mediaUrls" : [ ],
            "senderId" : "1111111111",
            "id" : "1660000000000000002",
            "createdAt" : "2023-06-01T18:32:10.000Z",
            "editHistory" : [ ]
          }
        },
        {
          "messageCreate" : {
            "recipientId" : "1111111111",
            "reactions" : [
              {
                "senderId" : "1111111111",
                "reactionKey" : "sad",
                "eventId" : "1660000000000000010",
                "createdAt" : "2023-06-01T18:31:00.000Z"
              }
            ],
            "urls" : [
              {
                "url" : "https://t.co/Zz9",
                "expanded" : "https://example.com/you",
                "display" : "example.com/you"
              }
            ],
            "text" : "Where are you right now? &lt;3 \"quoted\" back\\slash 👩‍👩‍👧 café\nsecond line https://t.co/Zz9",
            "mediaUrls" : [ ],
            "senderId" : "2222222222",
            "id" : "1660000000000000001",
            "createdAt" : "2023-06-01T18:30:05.123Z",
            "editHistory" : [ ]
          }
        }
      ]
    }
  }
]
