"""Per-device wraps of a certificate's data key in CertificatesTable: pk `CERT#<cert id>`, sk `DEVICE#<device id,
12 digits>` (`CertDeviceWrap`). The row exists for every device the certificate is assigned to (the pending
sentinel when nothing is sealed yet, and for MASTER_ONLY certificates), so a Query of the partition names every
device a re-wrap or a signal must reach. Rows are written with the device's assignment and its signal
(logic.feed.emit's transaction)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import CertDeviceWrap
from certctrl.store import common
from certctrl.store.issues import partition
from suite import dynamo


def device_sk(device_id: int) -> str:
    return f"DEVICE#{device_id:012d}"


def get(cert_id: int, device_id: int) -> CertDeviceWrap | None:
    try:
        return CertDeviceWrap.get(partition(cert_id), device_sk(device_id), consistent_read=True)
    except DoesNotExist:
        return None


def of_certificate(cert_id: int) -> list[CertDeviceWrap]:
    return list(CertDeviceWrap.query(partition(cert_id), CertDeviceWrap.sk.startswith("DEVICE#"),
                                     consistent_read=True))


def put(tx: dynamo.Transaction, wrap: CertDeviceWrap, *, expected_generation: int | None = None) -> None:
    """The wrap row in `tx`. `expected_generation`: only over a row still sealed for that key generation (or no
    row), so an older re-wrap can never overwrite a newer one."""
    if expected_generation is None:
        tx.put(common.certificates(), common.item_of(wrap))
    else:
        tx.put(common.certificates(), common.item_of(wrap),
               condition="attribute_not_exists(pk) OR key_generation <= :generation",
               values={":generation": expected_generation})


def delete(tx: dynamo.Transaction, cert_id: int, device_id: int) -> None:
    tx.delete(common.certificates(), partition(cert_id), device_sk(device_id))


def delete_now(cert_id: int, device_id: int) -> None:
    dynamo.delete(common.certificates(), partition(cert_id), device_sk(device_id))


def delete_for_device(device_id: int, cert_ids: list[int]) -> None:
    """A removed device's rows (its assignments name the certificates)."""
    dynamo.batch_delete(common.certificates(), [(partition(c), device_sk(device_id)) for c in cert_ids])


def record(wrap: CertDeviceWrap) -> dict[str, Any]:
    """The row as logic.delivery_crypto.DeviceWrap.from_record reads it."""
    return {"device_id": str(wrap.device_id), "device_keyfp": wrap.device_keyfp, "enc_data_key": wrap.enc_data_key,
            "wrap_alg": wrap.wrap_alg, "key_generation": int(wrap.key_generation or 0)}
