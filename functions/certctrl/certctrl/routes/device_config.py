"""What a user configures on a device: its install config (history, restore) and config files. Every change
reaches the device as a signal on its updates feed."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import config_files, devices, install_config
from certctrl.models.device_config import (
    ConfigFileBody,
    ConfigFileView,
    InstallConfigBody,
    InstallConfigHistoryView,
    InstallConfigPatch,
    InstallConfigView,
    NewConfigFile,
    RestoreBody,
)
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["devices"]
BASE = "/apiv1/users/<user_id>/devices/<device_id>"
READ = access.user("devices", "read", "device_id")
UPDATE = access.user("devices", "update", "device_id")


@router.post("/apiv1/me/install-config-update/<device_public_id>",
             auth=access.api_key_only("ForInstallConfigUpdate", "update", object_param="device_public_id"),
             returns=InstallConfigView, errors=(403, 404, 409),
             summary="Patch a device's install config with an API key (ForInstallConfigUpdate: update)",
             description="The body is a list of patches or {patches, after_update_script}; each patch is matched "
                         "by (ob_type, ob_id[, id]) and merged (type, enabled, cmd, cmd_argv, timeout_ms, env, to, "
                         "...). A new version, history and install.updated follow.", tags=TAGS)
def install_config_update(device_public_id: str,
                          request: Annotated[list[dict[str, Any]] | InstallConfigPatch, Body()]):
    caller = common.user_caller()
    device = devices.by_public_id(caller.user_id, device_public_id)
    if isinstance(request, InstallConfigPatch):
        script = request.after_update_script if "after_update_script" in request.model_fields_set \
            else install_config.UNSET
        return ENVELOPE.ok(install_config.patch(caller, device, request.patches, after_update_script=script))
    return ENVELOPE.ok(install_config.patch(caller, device, request))


@router.get(f"{BASE}/install-config", auth=READ, returns=InstallConfigView, errors=(403, 404),
            summary="The device's install config (version 0 and no items when none was saved)", tags=TAGS)
def get_install_config(user_id: str, device_id: str):
    return ENVELOPE.ok(install_config.current(common.owned_device(device_id)))


@router.put(f"{BASE}/install-config", auth=UPDATE, returns=InstallConfigView, errors=(403, 404, 409),
            summary="Replace the install config: version + 1, history kept, install.updated sent", tags=TAGS)
def put_install_config(user_id: str, device_id: str, request: InstallConfigBody):
    device = common.owned_device(device_id)
    return ENVELOPE.ok(install_config.save(common.user_caller(), device, installs=request.installs,
                                           after_update_script=request.after_update_script,
                                           change_note=request.change_note))


@router.get(f"{BASE}/install-config-histories", auth=READ, returns=list[InstallConfigHistoryView],
            errors=(403, 404), summary="Earlier versions of the install config, newest first (offset, limit)",
            tags=TAGS)
def install_config_histories(user_id: str, device_id: str):
    page = common.pagination(router)
    items, total = install_config.histories(common.owned_device(device_id), offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.post(f"{BASE}/install-config/restore", auth=UPDATE, returns=InstallConfigView, errors=(403, 404, 409),
             summary="Make an earlier version current again (as a new version)", tags=TAGS)
def restore_install_config(user_id: str, device_id: str, request: RestoreBody):
    device = common.owned_device(device_id)
    return ENVELOPE.ok(install_config.restore(common.user_caller(), device, version=request.version,
                                              change_note=request.change_note))


@router.get(f"{BASE}/config-files", auth=READ, returns=list[ConfigFileView], errors=(403, 404),
            summary="The device's managed config files (application, websocket)", tags=TAGS)
def list_config_files(user_id: str, device_id: str):
    return ENVELOPE.ok(config_files.listing(common.owned_device(device_id)))


@router.post(f"{BASE}/config-files", auth=UPDATE, returns=ConfigFileView, status_code=201, errors=(403, 404, 409),
             summary="Start managing a config file (config.updated sent)", tags=TAGS)
def create_config_file(user_id: str, device_id: str, request: NewConfigFile):
    device = common.owned_device(device_id)
    return ENVELOPE.created(config_files.save(device, request.file, request.content, create_only=True))


@router.get(f"{BASE}/config-files/<file>", auth=READ, returns=ConfigFileView, errors=(403, 404),
            summary="One managed config file", tags=TAGS)
def get_config_file(user_id: str, device_id: str, file: str):
    return ENVELOPE.ok(config_files.get(common.owned_device(device_id), file))


@router.put(f"{BASE}/config-files/<file>", auth=UPDATE, returns=ConfigFileView, errors=(403, 404, 409),
            summary="Replace a config file (config.updated sent)", tags=TAGS)
def put_config_file(user_id: str, device_id: str, file: str, request: ConfigFileBody):
    return ENVELOPE.ok(config_files.save(common.owned_device(device_id), file, request.content, create_only=False))


@router.delete(f"{BASE}/config-files/<file>", auth=UPDATE, status_code=204, errors=(403, 404),
               summary="Stop managing a config file (the agent keeps its copy)", tags=TAGS)
def delete_config_file(user_id: str, device_id: str, file: str):
    config_files.delete(common.owned_device(device_id), file)
    return ENVELOPE.no_content()

