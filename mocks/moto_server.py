"""Runs moto's server with the patches the eksposture tests need.

moto reports ``remoteAccess: {"ec2SshKey": "eksKeypair"}`` for every nodegroup
created without ``remoteAccess`` (real EKS reports none), which would make any
SSH check fire on every seeded nodegroup. Clearing the default before serving
makes such nodegroups report no remote access; an explicit ``remoteAccess``
still round-trips. moto also invents a ``resources.remoteAccessSecurityGroup``
id (not in EC2) for every nodegroup; real EKS creates that group only for
nodegroups with remote access, so it is dropped from the others.

With ``EKSPOSTURE_MOTO_PARENT_PID`` set to the pid of the process that
started it, the server exits as soon as that process is gone, so a test run
that dies (or keeps a server in a static that is never dropped) leaves no
server behind; it then also deletes ``EKSPOSTURE_MOTO_SCRATCH_DIR`` (its log
and recording) when that is set.

moto's STS lets anyone assume any role ARN, existing or not. Real AWS answers
``AccessDenied`` when the role does not exist or does not trust the caller;
the patched ``AssumeRole`` does the same for a role missing from the target
account's IAM, so a multi-account test can have one account deny the scanner
by simply not creating the role there. Roles are looked up by name in the
account the ARN names (moto keeps every account's state apart).

moto's dispatcher is wrapped in ``wire_layer.WireLayer``: the layer of AWS's
own wire shapes for the operations and fields moto lacks (EKS access
entries, add-ons, Pod Identity associations, cluster versions, Inspector2
coverage, ``DescribeCluster``'s ``accessConfig``, ECR image scan status, EC2
instance metadata defaults), answered from scenario data the seed posts to
``/__shapes/`` and checked against botocore's model; see that module.

Usage (arguments go to moto's own server command):

    MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \\
        python mocks/moto_server.py -H 127.0.0.1 -p 5055
"""

import os
import shutil
import threading
import time

import moto.eks.models
import moto.iam.models
import moto.server
import moto.sts.models
from moto.server import main
from moto.sts.exceptions import STSClientError

from wire_layer import WireLayer

_dispatcher = moto.server.DomainDispatcherApplication
moto.server.DomainDispatcherApplication = lambda create_app: WireLayer(_dispatcher(create_app))

moto.eks.models.DEFAULT_REMOTE_ACCESS = None
_nodegroup_init = moto.eks.models.Nodegroup.__init__


def nodegroup_init(self, *args, **kwargs):
    _nodegroup_init(self, *args, **kwargs)
    if not self.remote_access:
        self.resources.pop("remoteAccessSecurityGroup", None)


moto.eks.models.Nodegroup.__init__ = nodegroup_init


_assume_role = moto.sts.models.STSBackend.assume_role


def assume_role(self, region_name, role_session_name, role_arn, **kwargs):
    parts = role_arn.split(":")
    account, resource = (parts[4], parts[5]) if len(parts) >= 6 else ("", "")
    name = resource.rsplit("/", 1)[-1]
    partition = parts[1] if len(parts) >= 6 else "aws"
    try:
        moto.iam.models.iam_backends[account][partition].get_role(name)
    except Exception:  # a malformed ARN or a role that is not there
        raise STSClientError(
            "AccessDenied",
            f"User: arn:{partition}:iam::{self.account_id}:user/moto is not authorized "
            f"to perform: sts:AssumeRole on resource: {role_arn}",
        )
    return _assume_role(self, region_name, role_session_name, role_arn, **kwargs)


moto.sts.models.STSBackend.assume_role = assume_role


def exit_with_parent(parent_pid, scratch_dir):
    # An orphan is re-parented (to init or a subreaper), so a changed
    # parent pid means the starting process has exited.
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    if scratch_dir:
        shutil.rmtree(scratch_dir, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    parent = os.environ.get("EKSPOSTURE_MOTO_PARENT_PID")
    if parent:
        threading.Thread(
            target=exit_with_parent,
            args=(int(parent), os.environ.get("EKSPOSTURE_MOTO_SCRATCH_DIR")),
            daemon=True,
        ).start()
    main()
