// SPDX-License-Identifier: Apache-2.0
// `flow-local raw materialize-fixture`: like `flowctl raw materialize-fixture`, prints the
// NDJSON request stream a runtime would send a materialization for a fixture — apply, open,
// acknowledge, then per transaction load*, flush, store*, startCommit, acknowledge — for
// piping into any JSON-codec materialization's stdin. The field selection comes from the
// connector's own Validate (one unary RPC); `exists` is true for keys stored by an earlier
// transaction of the stream (and not deleted since).
#include <set>

#include "flow-local/materialize_protocol.hpp"
#include "flow-local/unary_rpc.hpp"
#include "flow-local/verbs.hpp"

namespace flow::local {

int raw_materialize_fixture(RunContext& ctx,
                            const std::optional<std::string>& name,
                            const std::string& fixture_path,
                            bool packed) {
  const auto& materialization = ctx.catalog.materialization(name);
  const auto bindings = materialize_bindings(ctx.catalog, materialization);
  const auto fixture = load_materialize_fixture(fixture_path);
  const auto validated =
      run_unary(ctx, materialization.endpoint,
                materialize_validate_request(ctx.catalog, materialization, bindings), "validated",
                kMaterializeResponseKinds, check_materialize_spec);
  const auto plans = plan_bindings(validated.response, ctx.catalog, bindings, ctx.conformance);
  const auto spec = materialization_spec(ctx.catalog, materialization, plans);

  auto& out = ctx.printer;
  out.stage_line(materialize_apply_request(spec));
  out.stage_line(materialize_open_request(spec, nlohmann::json::object()));
  out.stage_line(R"({"acknowledge":{}})");
  std::set<std::pair<std::uint32_t, std::string>> stored;
  for (std::size_t t = 0; t < fixture.size(); ++t) {
    const auto planned = plan_transaction(fixture[t], plans);
    for (const auto& [binding, key] : planned.loads) {
      out.stage_line(load_request(binding, key, packed));
    }
    out.stage_line(R"({"flush":{}})");
    for (const auto& store : planned.stores) {
      const auto id = std::make_pair(store.binding, store.key);
      const bool exists = !plans[store.binding].delta_updates && stored.count(id) != 0;
      out.stage_line(store_request(store, plans[store.binding], exists, packed));
      if (store.is_delete) {
        stored.erase(id);
      } else if (!plans[store.binding].delta_updates) {
        stored.insert(id);
      }
    }
    out.stage_line(start_commit_request(t + 1));
    out.stage_line(R"({"acknowledge":{}})");
    out.commit();
  }
  out.commit();
  out.flush();
  return 0;
}

}  // namespace flow::local
