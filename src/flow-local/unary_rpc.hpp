// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <initializer_list>
#include <string_view>

#include "flow-local/catalog.hpp"
#include "flow-local/response_check.hpp"
#include "flow-local/run_context.hpp"

/// One unary RPC the way the runtime runs it (PROTOCOL.md §1.2): a fresh connector process
/// gets the internal Spec, then `request`, then EOF; it must answer each with exactly one
/// response and exit 0. Used by every protocol (capture/materialize/derive).
///
/// Example:
///   auto result = run_unary(ctx, capture.endpoint, R"({"spec":{…}})", "spec",
///                           {"spec", "discovered", "validated", "applied"});
///   print(result.response.body);
namespace flow::local {

struct UnaryResult {
  Response internal_spec;  ///< the answer to the internal Spec (kind "spec")
  Response response;       ///< the answer to `request` (kind `expected_kind`)
};

/// Throws ConnectorError when the connector cannot start, exits non-zero, or answers nothing;
/// reports conformance violations (unary-response, response-kind, …) through ctx.conformance.
/// `check_spec` validates the internal Spec response's fields (protocol-specific).
UnaryResult run_unary(RunContext& ctx,
                      const LocalEndpoint& endpoint,
                      std::string_view request,
                      std::string_view expected_kind,
                      std::span<const std::string_view> response_kinds,
                      void (*check_spec)(const Response&, Conformance&));

}  // namespace flow::local
