window.YTD.direct_messages_group.part0 = [
  {
    "dmConversation" : {
      "conversationId" : "1700000000000000000",
      "messages" : [
        {
          "messageCreate" : {
            "reactions" : [ ],
            "urls" : [ ],
            "text" : "Everyone here knows what you did.",
            "mediaUrls" : [
              "https://ton.twitter.com/dm/1660000000000000071/1660000000000000072/vid.mp4?tag=1"
            ],
            "senderId" : "2222222222",
            "id" : "1660000000000000071",
            "createdAt" : "2023-06-02T09:05:00.000Z",
            "editHistory" : [ ]
          }
        },
        {
          "conversationNameUpdate" : {
            "initiatingUserId" : "2222222222",
            "name" : "Alex's secrets",
            "createdAt" : "2023-06-02T09:01:00.000Z"
          }
        },
        {
          "joinConversation" : {
            "initiatingUserId" : "2222222222",
            "participantsSnapshot" : [
              "1111111111",
              "2222222222",
              "4444444444"
            ],
            "createdAt" : "2023-06-02T09:00:00.000Z"
          }
        }
      ]
    }
  }
]
