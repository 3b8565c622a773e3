"""Every AWS call of ccjk lives under here (DynamoDB on suite.dynamo, SQS, KMS sealing, the JWT keyring from
Secrets Manager), one module per entity.

One table (`CCJK_TABLE`, keys `pk`/`sk`, index `gsi1` on `gsi1pk`/`gsi1sk`) holds every entity, each in the
partition its reads need:

| item              | pk                  | sk                     | notes                                      |
|-------------------|---------------------|------------------------|--------------------------------------------|
| device            | `DEVICE#<deviceId>` | `DEVICE`               | gsi1 `USER#<userId>#DEVICES` once bound    |
| device token      | `TOKEN#<sha256>`    | `TOKEN`                | digest → device id, strongly consistent    |
| notification      | `DEVICE#<deviceId>` | `NOTIF#<notifId>`      | time-ordered ids: history is one Query     |
| user              | `USER#<userId>`     | `PROFILE`              |                                            |
| e-mail lock       | `EMAIL#<email>`     | `EMAIL`                | written in the user's transaction: unique  |
| bind code         | `BIND#<code>`       | `BIND`                 | TTL 5 minutes after it was issued          |
| sync item         | `SYNC#<userId>`     | `ITEM#<type>#<id>`     | version + content hash                     |
| sync conflict     | `SYNC#<userId>`     | `CONFLICT#<type>#<id>` | one open conflict per item                 |
| sync state        | `SYNC#<userId>`     | `STATE`                | lastSyncAt, per-client last pull           |
| rate-limit window | `rl#<key>#<window>` | `LIMIT`                | suite.ratelimit, TTL                       |

Issue 18 (the real client's core) adds, each in its own module:

| item              | pk                       | sk                          | module           |
|-------------------|--------------------------|-----------------------------|------------------|
| sign-in code      | `LOGIN#<email>`          | `CODE`                      | login_codes      |
| signed-out token  | `REVOKED#<jti>`          | `REVOKED`                   | revocations      |
| reply code        | `REPLYCODE#<code>`       | `CODE`                      | reply_codes      |
| waiting notif.    | `NOTIFREF#<notifId>`     | `REF`                       | reply_codes      |
| reply             | `DEVICE#<deviceId>`      | `REPLY#<createdAt>#<id>`    | replies          |
| reply not handed  | `DEVICE#<deviceId>`      | `UNREAD#<createdAt>#<id>`   | replies          |
| platform event    | `CALLBACK#<platform>#<id>` | `SEEN`                    | replies          |
| command card      | `DEVICE#<deviceId>`      | `CARD#<cardId>` (+ `CARDREF#<cardId>`/`REF`) | commands |
| command (queued)  | `DEVICE#<deviceId>`      | `CMD#<id>` (+ `CMDQ#<id>`)  | commands         |
| log socket        | `LOGCONN#<connId>`       | `CONN`                      | log_connections  |
| its watchers/daemon | `LOGSUBS#`/`LOGPROD#<deviceId>` | `CONN#<connId>`      | log_connections  |
| CLI install       | `INSTALL#<installId>`    | `INSTALL`                   | installs         |
| feature flags     | `CONFIG#feature-flags`   | `FLAGS`                     | feature_flags    |

The heartbeat is two attributes of the device item (heartbeats); sign-in mail goes to SES or the MailOutboxTable
(mail); the callback secrets are read from Secrets Manager (callback_secrets).

Notifications and rate-limit windows expire by TTL (`expires_at`; reads also check it, TTL deletes lazily).
Idempotency records of `POST /notify` and `POST /notify/batch` (Powertools) sit in their own table
(`CCJK_IDEMPOTENCY_TABLE`). Nothing here Scans: every list is a Query on a partition or on `gsi1`.

Modules: devices (and their token items), notifications, users, bind_codes, sync, limits, queue (NotifyQueue),
idempotency, secrets (KMS), keyring (Secrets Manager); common (the table name, WriteConflict).
"""
