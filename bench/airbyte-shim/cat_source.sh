#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A stand-in Airbyte source for the benchmark: `read` cats $AIRBYTE_TRANSCRIPT to stdout.
case "$1" in
  spec) echo '{"type":"SPEC","spec":{"connectionSpecification":{"type":"object"}}}' ;;
  read) exec cat "$AIRBYTE_TRANSCRIPT" ;;
  *) echo "cat_source.sh: unsupported command '$1'" >&2; exit 2 ;;
esac
