#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A capture connector that answers spec/validate/apply and, on open, replays $TRANSCRIPT
# (written by gen_transcript.py) as fast as `cat` can: the connector is never the bottleneck.
while IFS= read -r line; do
  case "$line" in
    '{"spec"'*)
      echo '{"spec":{"protocol":3032023,"configSchema":{"type":"object"},"resourceConfigSchema":{"type":"object"},"documentationUrl":"https://example.com","resourcePathPointers":["/name"]}}' ;;
    '{"validate"'*)
      echo '{"validated":{"bindings":[{"resourcePath":["clicks"]},{"resourcePath":["views"]},{"resourcePath":["purchases"]}]}}' ;;
    '{"apply"'*)
      echo '{"applied":{}}' ;;
    '{"open"'*)
      echo '{"opened":{}}'
      exec cat "$TRANSCRIPT" ;;
  esac
done
