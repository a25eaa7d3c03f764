#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz entry point: everything is in fuzz_targets/build.sh.
exec bash "$SRC/tokfuzz/fuzz_targets/build.sh"
