#!/bin/sh
# Linker driver for cargo (.cargo/config.toml): links with mold when it is installed (much faster
# for AIDA's large test binaries), else with the system's default linker.
if command -v mold >/dev/null 2>&1; then
  exec cc -fuse-ld=mold "$@"
fi
exec cc "$@"
