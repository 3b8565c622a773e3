"""The kook data-access package: every AWS call of the service lives here: DynamoDB (on suite.dynamo), S3, SQS,
KMS (store.secrets), SES (store.email), WebSocket pushes (store.connections on suite.push).

Tables (functions/kook/template.yaml; the design is in docs/kook.md):

- ConfigTable (pk, sk): accounts, bots, mappings, settings, login tokens, caches, id counters (store.counters),
  rate-limit windows (store.settings.hit_limit),
  and the pipeline's bookkeeping (webhook event claims, poll cursors and pauses, delivery progress, live-log
  connections: store.ingest, store.connections). GSI ByKookChannel (kook_channel_id, mapping_id): the forwarding
  hot path, "mappings of this KOOK channel".
- LogsTable (pk, sk): one row per (KOOK message, target), day-aligned TTL; per-day and per-hour stats counters
  updated in the same transaction as the row (store.logs.record_delivery). GSIs ByDay and ByChannel.
- BackupBucket: configuration backups. MediaBucket: media downloaded from KOOK (store.media).
- Queues (store.queues): the ingest FIFO queue and one FIFO queue per target platform, each with a DLQ.
- store.snapshots: the hot paths' multi-item reads in one BatchGetItem.
"""
