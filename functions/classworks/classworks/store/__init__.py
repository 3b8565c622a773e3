"""classworks' data access: every DynamoDB call of the service lives in this package, one module per entity.

Tables come from the environment the template sets (CLASSWORKS_TABLE, KV_TABLE). Every read is by key
(GetItem, Query on a partition, BatchGetItem); there is no Scan. Keys of the main table:

| item          | pk                  | sk                 |
|---------------|---------------------|--------------------|
| app           | `APPS`              | `APP#<id, 10 digits>` (newest first = Query backwards) |
| id counter    | `COUNTER`           | `APP` / `DEVICE`   |
| device        | `DEVICE#<uuid>`     | `PROFILE`          |
| install/token | `DEVICE#<uuid>`     | `INSTALL#<installId>` |
| namespace     | `NAMESPACE#<name>`  | `NAMESPACE`        |
| token digest  | `TOKEN#<sha256>`    | `TOKEN`            |
| device code   | `DEVICECODE#<code>` | `DEVICECODE`       |

KV values sit in their own table (`device`, `key`), whose stream will feed live change events.
"""
