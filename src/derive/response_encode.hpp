// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal: derive responses as compact JSON lines. Each function appends one whole line
// (with its '\n') to `out`. Only fields the protocol defines are written, proto3 defaults are
// omitted, and nothing is ever null.

#include <flow/derive.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace flow::derive::detail {

/// `{"spec":{"protocol":3032023,"configSchema":…,"resourceConfigSchema":…,…}}` — no
/// resourcePathPointers (reserved in derive's Spec response).
void encode_spec(std::string& out, const Spec& spec);
/// `{"validated":{"transforms":[{"readOnly":true},{}],"generatedFiles":{…}}}`.
void encode_validated(std::string& out, const Validated& validated);
/// `{"opened":{}}`.
void encode_opened(std::string& out);
/// `{"published":{"doc":<doc_json spliced verbatim>}}`.
void encode_published(std::string& out, std::string_view doc_json);
/// `{"flushed":{}}`, or `{"flushed":{"state":{…}}}` when a state update rides on it (V2).
void encode_flushed(std::string& out, const std::optional<ConnectorState>& state);
/// `{"startedCommit":{}}`, or with `"state":{"updated":…,"mergePatch":true}`.
void encode_started_commit(std::string& out, const std::optional<ConnectorState>& state);

}  // namespace flow::derive::detail
