"""classworks' data access: every AWS call of the service lives in this package, one module per entity.

DynamoDB through suite.dynamo (tables from classworks.config). Every read is by key (GetItem, Query on a
partition, BatchGetItem); there is no Scan. Keys of the main table:

| item          | pk                  | sk                 |
|---------------|---------------------|--------------------|
| app           | `APPS`              | `APP#<id, 10 digits>` (newest first = Query backwards) |
| id counter    | `COUNTER`           | `APP` / `DEVICE`   |
| device        | `DEVICE#<uuid>`     | `PROFILE`          |
| install/token | `DEVICE#<uuid>`     | `INSTALL#<installId>` |
| namespace     | `NAMESPACE#<name>`  | `NAMESPACE`        |
| token digest  | `TOKEN#<sha256>`    | `TOKEN`            |
| device code   | `DEVICECODE#<code>` | `DEVICECODE`       |
| live room     | `LIVE#<uuid>` / `LIVECONN#<connection>` | `CONN#...` / `JOIN#...` |

KV values sit in their own table (`device`, `key`), whose stream feeds the live changes. Besides DynamoDB:
`sealed` (KMS envelope encryption), `limits` (rate-limit counters), `site_key` (Secrets Manager), `pushes`
(WebSocket pushes).
"""
