"""An in-memory etcd: the MVCC store under the API server.

It stores bytes under string keys and knows nothing about Kubernetes kinds. What it offers is
etcd v3's contract -- revisions, reads at past revisions, compare-and-swap transactions, watches
that replay history and then go live without a gap, compaction, progress notifications -- plus a
value transformer (where encryption at rest plugs in) and optional durability.
"""

from apiserver.storage.errors import (
    Compacted,
    CorruptLog,
    FutureRevision,
    InvalidTxn,
    StorageError,
    StoreClosed,
)
from apiserver.storage.records import (
    DeleteResult,
    Event,
    EventType,
    KeyValue,
    PutResult,
    RangeResult,
    TxnResult,
    WatchResponse,
)
from apiserver.storage.store import MVCCStore, StoreConfig
from apiserver.storage.transformer import IdentityTransformer, Transformer
from apiserver.storage.txn import (
    ALL_FROM_KEY,
    Compare,
    CompareTarget,
    DeleteRange,
    Put,
    Range,
    create_revision,
    mod_revision,
    prefix_end,
    value,
    version,
)
from apiserver.storage.watch import Watcher

__all__ = [
    "ALL_FROM_KEY",
    "Compacted",
    "Compare",
    "CompareTarget",
    "CorruptLog",
    "DeleteRange",
    "DeleteResult",
    "Event",
    "EventType",
    "FutureRevision",
    "IdentityTransformer",
    "InvalidTxn",
    "KeyValue",
    "MVCCStore",
    "Put",
    "PutResult",
    "Range",
    "RangeResult",
    "StorageError",
    "StoreClosed",
    "StoreConfig",
    "Transformer",
    "TxnResult",
    "WatchResponse",
    "Watcher",
    "create_revision",
    "mod_revision",
    "prefix_end",
    "value",
    "version",
]
