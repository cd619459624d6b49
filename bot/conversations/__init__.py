"""The bot's handlers, one module per conversation or family of commands.

`common` holds what they share (building a conversation, replying, who is asking);
`bot.app.register_handlers` registers them all, in order.
"""
