"""PaymentNotifyFunction: Alipay's and WeChat Pay's notifies (public, verified by their signatures)."""

from certctrl.api import ENVELOPE
from certctrl.routes import payments
from suite.api import http_function

app, handler = http_function(ENVELOPE, payments.notify)
