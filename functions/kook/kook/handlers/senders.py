"""The three sender workers (DiscordSenderFunction, TelegramSenderFunction, FeishuSenderFunction): SQS FIFO
batches, one group per target; a failed job stops only its own group."""

from kook.routes.senders import sender
from suite.workers import sqs_consumer

discord = sqs_consumer(sender("discord"), fifo=True)
telegram = sqs_consumer(sender("telegram"), fifo=True)
feishu = sqs_consumer(sender("feishu"), fifo=True)
