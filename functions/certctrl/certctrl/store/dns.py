"""TXT records of DNS-01 challenges in our Route 53 zone (ACME_DNS_ZONE_ID): the targets of the users' CNAME
delegations, `<cert_key>.acme.<zone>`. Every value of one record name is written in one UPSERT (a wildcard and its
base name share a record); a withdrawal DELETEs exactly the values written, and a record already gone is fine."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from certctrl import config
from suite import aws

TTL = 60


def _zone() -> str:
    return config.get().require("acme_dns_zone_id")


def in_zone(record_name: str) -> bool:
    zone = config.get().acme_dns_zone
    name = record_name.rstrip(".").lower()
    return name == zone or name.endswith("." + zone)


def _change(action: str, record_name: str, values: Sequence[str]) -> None:
    aws.client("route53").change_resource_record_sets(HostedZoneId=_zone(), ChangeBatch={"Changes": [{
        "Action": action,
        "ResourceRecordSet": {"Name": record_name.rstrip(".") + ".", "Type": "TXT", "TTL": TTL,
                              "ResourceRecords": [{"Value": f'"{value}"'} for value in values]}}]})


def publish_txt(record_name: str, values: Sequence[str]) -> None:
    _change("UPSERT", record_name, values)


def withdraw_txt(record_name: str, values: Sequence[str]) -> None:
    try:
        _change("DELETE", record_name, values)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("InvalidChangeBatch", "NoSuchHostedZone"):
            raise


def txt_values(record_name: str) -> list[str]:
    """What the zone holds for a name (tests and diagnostics)."""
    answer = aws.client("route53").list_resource_record_sets(HostedZoneId=_zone(),
                                                             StartRecordName=record_name.rstrip(".") + ".",
                                                             StartRecordType="TXT", MaxItems="1")
    for found in answer.get("ResourceRecordSets", []):
        if found["Name"].rstrip(".").lower() == record_name.rstrip(".").lower() and found["Type"] == "TXT":
            return [r["Value"].strip('"') for r in found.get("ResourceRecords", [])]
    return []
