// SPDX-License-Identifier: Apache-2.0
#include "flow-local/unary_rpc.hpp"

#include "flow-local/connector_process.hpp"

namespace flow::local {
namespace {

std::string failure_detail(Console& console) {
  auto last = console.last_connector_message();
  return last.empty() ? "connector exited with no log output" : last;
}

}  // namespace

UnaryResult run_unary(RunContext& ctx,
                      const LocalEndpoint& endpoint,
                      std::string_view request,
                      std::string_view expected_kind,
                      std::span<const std::string_view> response_kinds,
                      void (*check_spec)(const Response&, Conformance&)) {
  ConnectorProcess connector(endpoint, ctx.console, ctx.log_level);
  connector.send_internal_spec();
  connector.send(request);
  connector.close_stdin();

  UnaryResult result;
  std::size_t answered = 0;
  while (auto line = connector.next_line()) {
    auto response = parse_response(*line, response_kinds, ctx.conformance);
    if (!response) {
      continue;  // lenient: already warned
    }
    const std::string_view want = answered == 0 ? std::string_view("spec") : expected_kind;
    if (answered >= 2) {
      ctx.conformance.violation(rule::kUnaryResponse, line->number,
                                "an extra `" + response->kind +
                                    "` response: each request gets exactly one response "
                                    "(\"rpc is expected to be unary\")",
                                line->text);
      continue;
    }
    if (response->kind != want) {
      ctx.conformance.violation(
          rule::kResponseKind, line->number,
          "expected `" + std::string(want) + "` in answer to " +
              (answered == 0 ? std::string("the internal spec request")
                             : "the " + std::string(expected_kind) + " request") +
              ", got `" + response->kind + "`",
          line->text);
      continue;
    }
    if (answered == 0) {
      check_spec(*response, ctx.conformance);
      result.internal_spec = std::move(*response);
    } else {
      result.response = std::move(*response);
    }
    ++answered;
  }
  auto status = connector.finish(ctx.exit_grace);
  if (!status.success()) {
    throw ConnectorError("connector `" + connector.program() + "` failed (" + status.describe() +
                         "): " + failure_detail(ctx.console) + connector.codec_hint());
  }
  if (answered < 2) {
    ctx.conformance.violation(rule::kUnaryResponse, 0,
                              "the connector exited 0 without answering the " +
                                  std::string(answered == 0 ? "internal spec" : expected_kind) +
                                  " request");
    throw ConnectorError("no `" + std::string(expected_kind) + "` response from connector `" +
                         connector.program() + "`" + connector.codec_hint());
  }
  return result;
}

}  // namespace flow::local
