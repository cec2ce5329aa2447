// SPDX-License-Identifier: Apache-2.0
#include "flow-local/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <flow/json_util.hpp>
#include <fstream>
#include <sstream>

#include "flow-local/yaml_json.hpp"

namespace flow::local {
namespace fs = std::filesystem;

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) {
    throw CatalogError(what + " not found: " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  if (path.rfind("file://", 0) == 0) {
    return path.substr(7);
  }
  fs::path p(path);
  if (p.is_absolute()) {
    return p.lexically_normal().string();
  }
  return (fs::path(base_dir) / p).lexically_normal().string();
}

std::optional<std::uint64_t> parse_duration_ms(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0)) {
      ++i;
    }
    if (start == i) {
      return std::nullopt;
    }
    std::uint64_t number = std::stoull(text.substr(start, i - start));
    std::size_t unit_start = i;
    while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) != 0)) {
      ++i;
    }
    std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms") {
      total += number;
    } else if (unit == "s" || unit.empty()) {
      total += number * 1000;
    } else if (unit == "m") {
      total += number * 60'000;
    } else if (unit == "h") {
      total += number * 3'600'000;
    } else {
      return std::nullopt;
    }
  }
  return total;
}

namespace {

std::string dir_of(const std::string& file) {
  return fs::path(file).parent_path().string();
}

const nlohmann::json& require_object(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) {
    throw CatalogError(where + " must be an object");
  }
  return value;
}

// A config given as a string is a path to a JSON or YAML file next to the flow.yaml.
nlohmann::json load_config(const nlohmann::json& config,
                           const std::string& base_dir,
                           const std::string& task) {
  if (config.is_string()) {
    std::string path = resolve_path(base_dir, config.get<std::string>());
    auto value = parse_yaml_text(read_text_file(path, "config file of " + task), path);
    if (!value.is_object()) {
      throw CatalogError("config file of " + task + " (" + path + ") must hold an object");
    }
    return value;
  }
  if (config.is_object()) {
    return config;
  }
  if (config.is_null()) {
    throw CatalogError(task + ": endpoint.local.config is required");
  }
  throw CatalogError(task + ": endpoint.local.config must be an object or a file path");
}

nlohmann::json load_schema(const nlohmann::json& schema,
                           const std::string& base_dir,
                           const std::string& where) {
  if (!schema.is_string()) {
    return schema;
  }
  std::string reference = schema.get<std::string>();
  std::string fragment;
  if (auto hash = reference.find('#'); hash != std::string::npos) {
    fragment = reference.substr(hash + 1);
    reference = reference.substr(0, hash);
  }
  std::string path = resolve_path(base_dir, reference);
  auto value = parse_yaml_text(read_text_file(path, "schema file of " + where), path);
  if (!fragment.empty()) {
    const auto* found = flow::json::find_pointer(value, fragment);
    if (found == nullptr) {
      throw CatalogError("schema of " + where + ": '" + fragment + "' not found in " + path);
    }
    return *found;
  }
  return value;
}

std::vector<std::string> string_list(const nlohmann::json& value, const std::string& where) {
  std::vector<std::string> out;
  if (!value.is_array()) {
    throw CatalogError(where + " must be a list of strings");
  }
  for (const auto& item : value) {
    if (!item.is_string()) {
      throw CatalogError(where + " must be a list of strings");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::uint32_t parse_interval(const nlohmann::json& value, const std::string& task) {
  if (value.is_null()) {
    return 300;
  }
  auto ms = value.is_string() ? parse_duration_ms(value.get<std::string>()) : std::nullopt;
  if (!ms) {
    throw CatalogError(task + ": interval must be a duration like \"5m\"");
  }
  return static_cast<std::uint32_t>(*ms / 1000);
}

}  // namespace

LocalEndpoint parse_local_endpoint(const nlohmann::json& endpoint,
                                   const std::string& base_dir,
                                   const std::string& task,
                                   Protocol protocol) {
  if (!endpoint.is_object()) {
    throw CatalogError(task + ": endpoint is required");
  }
  if (endpoint.contains("connector")) {
    throw CatalogError(task +
                       ": endpoint.connector (a docker image) cannot run here; flow-local runs "
                       "`endpoint.local: {command: [...], config: ...}` endpoints");
  }
  const auto local = endpoint.find("local");
  if (local == endpoint.end()) {
    throw CatalogError(task + ": endpoint must be `local: {command: [...], config: ...}`");
  }
  require_object(*local, task + ": endpoint.local");
  LocalEndpoint out;
  out.working_directory = base_dir;
  out.protocol = protocol;
  if (!local->contains("command")) {
    throw CatalogError(task + ": endpoint.local.command is required");
  }
  out.command = string_list(local->at("command"), task + ": endpoint.local.command");
  if (out.command.empty() || out.command[0].empty()) {
    throw CatalogError(task + ": endpoint.local.command must not be empty");
  }
  // A relative program path (with a '/') is relative to the flow.yaml, like every path in it.
  if (out.command[0].find('/') != std::string::npos) {
    out.command[0] = resolve_path(base_dir, out.command[0]);
  }
  out.config = load_config(local->value("config", nlohmann::json()), base_dir, task);
  if (out.config.contains("sops")) {
    throw CatalogError(task +
                       ": the config is sops-encrypted; flow-local needs a plaintext config");
  }
  if (auto env = local->find("env"); env != local->end() && !env->is_null()) {
    require_object(*env, task + ": endpoint.local.env");
    for (const auto& [key, value] : env->items()) {
      out.env[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  // As the runtime does, the codec is not passed to the process: a connector that reads
  // FLOW_RUNTIME_CODEC needs `FLOW_RUNTIME_CODEC: proto` in `env` (PROTOCOL.md §1.1).
  if (auto protobuf = local->find("protobuf"); protobuf != local->end() && !protobuf->is_null()) {
    if (!protobuf->is_boolean()) {
      throw CatalogError(task + ": endpoint.local.protobuf must be true or false, not " +
                         protobuf->dump());
    }
    out.protobuf = protobuf->get<bool>();
  }
  return out;
}

Catalog Catalog::load(const std::string& path) {
  Catalog catalog;
  std::error_code ec;
  auto absolute = fs::absolute(path, ec).lexically_normal().string();
  catalog.root_file_ = absolute;
  std::vector<std::string> stack;
  catalog.load_file(absolute, stack);
  return catalog;
}

void Catalog::load_file(const std::string& absolute_path, std::vector<std::string>& stack) {
  if (std::find(loaded_files_.begin(), loaded_files_.end(), absolute_path) != loaded_files_.end()) {
    return;  // imported twice (or a cycle): each file counts once
  }
  loaded_files_.push_back(absolute_path);
  const std::string what = stack.empty() ? "catalog" : "import of " + stack.back();
  auto doc = parse_yaml_text(read_text_file(absolute_path, what), absolute_path);
  if (doc.is_null()) {
    return;
  }
  if (!doc.is_object()) {
    throw CatalogError(absolute_path + ": a catalog must be a YAML mapping");
  }
  const std::string base_dir = dir_of(absolute_path);

  if (auto imports = doc.find("import"); imports != doc.end() && !imports->is_null()) {
    stack.push_back(absolute_path);
    for (const auto& import : string_list(*imports, absolute_path + ": import")) {
      load_file(resolve_path(base_dir, import), stack);
    }
    stack.pop_back();
  }

  if (auto captures = doc.find("captures"); captures != doc.end() && !captures->is_null()) {
    require_object(*captures, absolute_path + ": captures");
    for (const auto& [name, spec] : captures->items()) {
      const std::string task = "capture " + name;
      require_object(spec, task);
      CaptureDef def;
      def.name = name;
      def.source_file = absolute_path;
      def.endpoint = parse_local_endpoint(spec.value("endpoint", nlohmann::json()), base_dir, task,
                                          Protocol::capture);
      def.interval_seconds = parse_interval(spec.value("interval", nlohmann::json()), task);
      const auto bindings = spec.value("bindings", nlohmann::json::array());
      if (!bindings.is_array()) {
        throw CatalogError(task + ": bindings must be a list");
      }
      for (std::size_t i = 0; i < bindings.size(); ++i) {
        const auto& b = bindings[i];
        const std::string where = task + " binding " + std::to_string(i);
        require_object(b, where);
        CaptureBinding binding;
        binding.resource = b.value("resource", nlohmann::json::object());
        const auto target = b.value("target", nlohmann::json());
        if (!target.is_string()) {
          throw CatalogError(where + ": target (a collection name) is required");
        }
        binding.target = target.get<std::string>();
        binding.disable = b.value("disable", false);
        binding.backfill = b.value("backfill", 0U);
        def.bindings.push_back(std::move(binding));
      }
      captures_[name] = std::move(def);
    }
  }

  if (auto mats = doc.find("materializations"); mats != doc.end() && !mats->is_null()) {
    require_object(*mats, absolute_path + ": materializations");
    for (const auto& [name, spec] : mats->items()) {
      const std::string task = "materialization " + name;
      require_object(spec, task);
      MaterializationDef def;
      def.name = name;
      def.source_file = absolute_path;
      def.raw = spec;
      def.endpoint = parse_local_endpoint(spec.value("endpoint", nlohmann::json()), base_dir, task,
                                          Protocol::materialize);
      def.bindings = spec.value("bindings", nlohmann::json::array());
      materializations_[name] = std::move(def);
    }
  }

  if (auto colls = doc.find("collections"); colls != doc.end() && !colls->is_null()) {
    require_object(*colls, absolute_path + ": collections");
    for (const auto& [name, spec] : colls->items()) {
      const std::string where = "collection " + name;
      require_object(spec, where);
      CollectionDef def;
      def.name = name;
      def.source_file = absolute_path;
      if (spec.contains("schema")) {
        def.write_schema = load_schema(spec["schema"], base_dir, where);
      } else if (spec.contains("writeSchema")) {
        def.write_schema = load_schema(spec["writeSchema"], base_dir, where);
        if (spec.contains("readSchema")) {
          def.read_schema = load_schema(spec["readSchema"], base_dir, where);
        }
      } else {
        throw CatalogError(where + ": schema (or writeSchema) is required");
      }
      if (!spec.contains("key")) {
        throw CatalogError(where + ": key is required");
      }
      def.key = string_list(spec["key"], where + ": key");
      if (def.key.empty()) {
        throw CatalogError(where + ": key must not be empty");
      }
      for (const auto& ptr : def.key) {
        if (ptr.empty() || ptr[0] != '/') {
          throw CatalogError(where + ": key '" + ptr + "' is not a JSON pointer");
        }
      }
      def.derive = spec.value("derive", nlohmann::json());
      collections_[name] = std::move(def);
    }
  }
}

const CaptureDef& Catalog::capture(const std::optional<std::string>& name) const {
  if (name && !name->empty()) {
    auto it = captures_.find(*name);
    if (it == captures_.end()) {
      throw CatalogError("capture '" + *name + "' not found in " + root_file_);
    }
    return it->second;
  }
  if (captures_.empty()) {
    throw CatalogError("no capture found in " + root_file_);
  }
  if (captures_.size() > 1) {
    std::string names;
    for (const auto& [n, _] : captures_) {
      names += (names.empty() ? "" : ", ") + n;
    }
    throw CatalogError(root_file_ + " has several captures (" + names +
                       "); choose one with --capture");
  }
  return captures_.begin()->second;
}

const MaterializationDef& Catalog::materialization(const std::optional<std::string>& name) const {
  if (name && !name->empty()) {
    auto it = materializations_.find(*name);
    if (it == materializations_.end()) {
      throw CatalogError("materialization '" + *name + "' not found in " + root_file_);
    }
    return it->second;
  }
  if (materializations_.size() != 1) {
    throw CatalogError(root_file_ + " must have exactly one materialization, or name one");
  }
  return materializations_.begin()->second;
}

const CollectionDef& Catalog::collection(const std::string& name) const {
  auto it = collections_.find(name);
  if (it == collections_.end()) {
    throw CatalogError("collection '" + name + "' not found in " + root_file_ + " or its imports");
  }
  return it->second;
}

std::pair<TaskKind, std::string> Catalog::find_task(const std::optional<std::string>& name) const {
  std::vector<std::pair<TaskKind, std::string>> tasks;
  for (const auto& [n, _] : captures_) {
    tasks.emplace_back(TaskKind::capture, n);
  }
  for (const auto& [n, _] : materializations_) {
    tasks.emplace_back(TaskKind::materialization, n);
  }
  for (const auto& [n, c] : collections_) {
    if (!c.derive.is_null()) {
      tasks.emplace_back(TaskKind::derivation, n);
    }
  }
  if (name && !name->empty()) {
    for (const auto& task : tasks) {
      if (task.second == *name) {
        return task;
      }
    }
    throw CatalogError("task '" + *name + "' not found in " + root_file_);
  }
  if (tasks.empty()) {
    throw CatalogError("no capture, materialization or derivation found in " + root_file_);
  }
  if (tasks.size() > 1) {
    std::string names;
    for (const auto& task : tasks) {
      names += (names.empty() ? "" : ", ") + task.second;
    }
    throw CatalogError(root_file_ + " has several tasks (" + names + "); choose one with --name");
  }
  return tasks.front();
}

}  // namespace flow::local
