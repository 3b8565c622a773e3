"""MoneyJobsFunction: the scheduled FX rate fetch and stablecoin deposit scans."""

from certctrl.routes import money_jobs
from suite.workers import scheduled

handler = scheduled(money_jobs.run)
