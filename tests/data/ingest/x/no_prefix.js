[
  {
    "dmConversation" : {
      "conversationId" : "1111111111-2222222222",
      "messages" : [ ]
    }
  }
]
