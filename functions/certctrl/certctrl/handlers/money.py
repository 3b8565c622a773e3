"""MoneyFunction: wallets (balances, charges, top-ups, conversions) and payments (quotes, plans, Alipay, WeChat Pay)."""

from certctrl.api import ENVELOPE
from certctrl.routes import payments, wallets
from suite.api import http_function

app, handler = http_function(ENVELOPE, wallets.router, payments.router)
