// SPDX-License-Identifier: Apache-2.0
// `flow-local raw discover`: run Discover; print the bindings (--emit-raw) or write them into
// the catalog as flowctl does.
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "flow-local/capture_protocol.hpp"
#include "flow-local/unary_rpc.hpp"
#include "flow-local/verbs.hpp"
#include "flow-local/yaml_json.hpp"

namespace flow::local {
namespace {

// "acmeCo/sources/hello" → "acmeCo/sources"; a name without '/' is its own prefix.
std::string prefix_of(const std::string& capture_name) {
  auto slash = capture_name.rfind('/');
  return slash == std::string::npos ? capture_name : capture_name.substr(0, slash);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    throw flow::Error("cannot write " + path);
  }
}

}  // namespace

int raw_discover(RunContext& ctx, const std::optional<std::string>& capture_name, bool emit_raw) {
  const auto& capture = ctx.catalog.capture(capture_name);
  auto result = run_unary(ctx, capture.endpoint, discover_request(capture), "discovered",
                          kCaptureResponseKinds, check_spec_hook);
  check_discovered(result.response, ctx.conformance);
  const auto* found = find_field(result.response.body, "bindings");
  const OrderedJson bindings =
      found != nullptr && found->is_array() ? *found : OrderedJson::array();

  if (emit_raw) {
    for (const auto& binding : bindings) {
      ctx.printer.stage_line(binding.dump());
    }
    ctx.printer.commit();
    ctx.printer.flush();
    return 0;
  }

  // Rewrite the file that declares the capture: its bindings, and one collection per binding.
  // (Comments in that file are not preserved; key order and string types are.)
  OrderedJson root;
  try {
    root = yaml_to_ordered_json(YAML::LoadFile(capture.source_file));
  } catch (const YAML::Exception& e) {
    throw CatalogError(capture.source_file + ": " + e.what());
  }
  const std::string prefix = prefix_of(capture.name);
  OrderedJson new_bindings = OrderedJson::array();
  std::size_t written = 1;  // the capture itself
  for (const auto& binding : bindings) {
    const auto* name = find_field(binding, "recommendedName");
    if (name == nullptr || !name->is_string()) {
      continue;  // reported by check_discovered (lenient mode gets here)
    }
    const std::string target = prefix + "/" + name->get<std::string>();
    OrderedJson entry;
    const auto* resource = find_field(binding, "resourceConfig");
    entry["resource"] = resource != nullptr ? *resource : OrderedJson::object();
    entry["target"] = target;
    if (const auto* disable = find_field(binding, "disable");
        disable != nullptr && disable->is_boolean() && disable->get<bool>()) {
      entry["disable"] = true;
    }
    new_bindings.push_back(std::move(entry));

    OrderedJson collection;
    const auto* schema = find_field(binding, "documentSchema");
    collection["schema"] = schema != nullptr ? *schema : OrderedJson::object();
    const auto* key = find_field(binding, "key");
    collection["key"] = key != nullptr ? *key : OrderedJson::array();
    if (!root["collections"].is_object()) {
      root["collections"] = OrderedJson::object();
    }
    root["collections"][target] = std::move(collection);
    ++written;
  }
  root["captures"][capture.name]["bindings"] = std::move(new_bindings);

  write_file(capture.source_file, emit_yaml(root) + "\n");
  ctx.printer.line("Wrote " + std::to_string(written) + " specifications under " + ctx.source +
                   ".");
  return 0;
}

}  // namespace flow::local
