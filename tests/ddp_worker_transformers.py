"""Worker of test_integration_transformers.py::test_ddp_under_torchrun, run
as ``torchrun --nproc_per_node 2 tests/ddp_worker_transformers.py OUT
FAMILY...``: for each family, a swapped model under
DistributedDataParallel (gloo), each rank with half of the batch, three
AdamW steps with the balancing bias updated from the global loads; writes
the final state to ``OUT.<family>.<rank>``."""
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_integration_transformers import train_steps  # noqa: E402


def main(out, families):
    dist.init_process_group("gloo")
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        for family in families:
            state = train_steps(family, lambda m: DistributedDataParallel(m),
                                rank=rank, world=world)
            torch.save(state, f"{out}.{family}.{rank}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
