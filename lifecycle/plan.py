"""What a retention policy wants for one file at one moment: its storage class, its VOD ExpireTime, and whether it
is due for deletion. Pure: the daily job compares this with what it last did and acts on the difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lifecycle.models import RetentionPolicy, StorageClass

ORDER = [StorageClass.STANDARD, StorageClass.STANDARD_IA, StorageClass.ARCHIVE, StorageClass.DEEP_ARCHIVE]
# Classes a file cannot be played from without a restore: a held file is never moved into them.
ARCHIVES = frozenset({StorageClass.ARCHIVE, StorageClass.DEEP_ARCHIVE})
# Moves Tencent allows (VOD ModifyMediaStorageClass; COS copies the same way): out of an archive only to STANDARD,
# which is a paid retrieval and never what a retention policy asks for.
ALLOWED_MOVES = {
    StorageClass.STANDARD: {StorageClass.STANDARD_IA, StorageClass.ARCHIVE, StorageClass.DEEP_ARCHIVE},
    StorageClass.STANDARD_IA: {StorageClass.ARCHIVE, StorageClass.DEEP_ARCHIVE},
    StorageClass.ARCHIVE: set(),
    StorageClass.DEEP_ARCHIVE: set(),
}


def colder(a: str, b: str) -> bool:
    return ORDER.index(StorageClass(a)) > ORDER.index(StorageClass(b))


@dataclass(frozen=True)
class Wanted:
    storage_class: str  # the class the file should be in now (never warmer than it is)
    expire_at: datetime | None  # when the file should be gone; None = keep
    delete_now: bool


def wanted(
    *,
    policy: RetentionPolicy | None,
    recorded_end: datetime,
    rejected: bool,
    held: bool,
    current_class: str,
    now: datetime,
) -> Wanted:
    if policy is None:
        return Wanted(storage_class=current_class, expire_at=None, delete_now=False)
    keep = policy.keep_days
    if rejected and policy.rejected_keep_days is not None:
        keep = policy.rejected_keep_days if keep is None else min(keep, policy.rejected_keep_days)
    # Whole seconds, as Tencent keeps an ExpireTime: the console then deems a file due when Tencent does.
    expire_at = None if keep is None or held else (recorded_end + timedelta(days=keep)).replace(microsecond=0)
    # The coldest class the file's age has reached, moved to in one step when Tencent allows it from where the
    # file is (ARCHIVE → DEEP_ARCHIVE it does not: such a file stays in ARCHIVE).
    reached = [
        storage_class
        for days, storage_class in policy.transitions()
        if now - recorded_end >= timedelta(days=days) and not (held and storage_class in ARCHIVES)
    ]
    target = current_class
    if reached and reached[-1] in ALLOWED_MOVES[StorageClass(current_class)]:
        target = reached[-1]
    return Wanted(
        storage_class=target, expire_at=expire_at, delete_now=expire_at is not None and now >= expire_at
    )
