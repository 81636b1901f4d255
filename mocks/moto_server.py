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

Usage (arguments go to moto's own server command):

    MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \\
        python mocks/moto_server.py -H 127.0.0.1 -p 5055
"""

import os
import shutil
import threading
import time

import moto.eks.models
from moto.server import main

moto.eks.models.DEFAULT_REMOTE_ACCESS = None
_nodegroup_init = moto.eks.models.Nodegroup.__init__


def nodegroup_init(self, *args, **kwargs):
    _nodegroup_init(self, *args, **kwargs)
    if not self.remote_access:
        self.resources.pop("remoteAccessSecurityGroup", None)


moto.eks.models.Nodegroup.__init__ = nodegroup_init


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
