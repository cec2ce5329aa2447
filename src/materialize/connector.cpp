// SPDX-License-Identifier: Apache-2.0
// flow::materialize::Connector defaults, serve(), run() and the small public helpers.

#include <unistd.h>

#include <cstdlib>
#include <flow/error.hpp>
#include <flow/materialize.hpp>
#include <set>

#include "core/run_main.hpp"
#include "materialize/session.hpp"

namespace flow::materialize {

Applied Connector::apply(const Apply& /*request*/) {
  return {};
}

Opened Connector::open(const Open& /*request*/) {
  return {};
}

std::optional<ConnectorState> Connector::acknowledge(const Acknowledge& /*request*/) {
  return std::nullopt;
}

void Connector::load(const Load& request, Loaded& /*out*/) {
  throw Error("load() is not implemented, but the runtime sent a load for binding " +
              std::to_string(request.binding) +
              "; a materialization that cannot load must mark its bindings deltaUpdates");
}

std::optional<ConnectorState> Connector::flush(const Flush& /*request*/, Loaded& /*out*/) {
  return std::nullopt;
}

std::optional<ConnectorState> Connector::start_commit(const StartCommit& /*request*/) {
  return std::nullopt;
}

int serve(Connector& connector, int in_fd, int out_fd, const ServeOptions& options) {
  detail::Session session(connector, in_fd, out_fd, options);
  return session.run();
}

int run(Connector& connector, int argc, char** argv) {
  return flow::detail::run_main(argc, argv, "materialize", [&] {
    ServeOptions options;
    options.codec = codec_from_environment();
    if (const char* form = std::getenv("FLOW_VALIDATED_CONSTRAINTS"); form != nullptr) {
      const std::string_view value = form;
      if (value == "map") {
        options.constraints_form = ConstraintsForm::map;
      } else if (value != "list" && !value.empty()) {
        throw ConfigError("FLOW_VALIDATED_CONSTRAINTS must be 'list' or 'map', not '" +
                          std::string(value) + "'");
      }
    }
    return serve(connector, STDIN_FILENO, STDOUT_FILENO, options);
  });
}

ValidatedBinding optional_everything(const ValidateBinding& binding,
                                     std::vector<std::string> resource_path,
                                     bool require_document,
                                     bool delta_updates) {
  ValidatedBinding validated;
  validated.resource_path = std::move(resource_path);
  validated.delta_updates = delta_updates;
  const std::set<std::string> key_pointers(binding.collection.key.begin(),
                                           binding.collection.key.end());
  for (const auto& projection : binding.collection.projections) {
    Constraint constraint;
    const auto* types = projection.inference.is_object() && projection.inference.contains("types")
                            ? &projection.inference["types"]
                            : nullptr;
    if (key_pointers.count(projection.ptr) != 0 || projection.is_primary_key) {
      constraint = {ConstraintType::location_required, "the collection key is materialized", ""};
    } else if (projection.ptr.empty()) {
      constraint = require_document ? Constraint{ConstraintType::location_required,
                                                 "the root document is materialized", ""}
                                    : Constraint{ConstraintType::field_optional, "", ""};
    } else if (types != nullptr && types->is_array() && types->size() == 1 &&
               (*types)[0] == "null") {
      constraint = {ConstraintType::field_forbidden, "a field that is always null", ""};
    } else {
      constraint = {ConstraintType::field_optional, "", ""};
    }
    validated.constraints.push_back({projection.field, std::move(constraint)});
  }
  return validated;
}

void split_json_array(std::string_view array, std::vector<std::string_view>& out) {
  // Scans the array's top level, skipping strings (with escapes) and nested containers.
  std::size_t i = array.find('[');
  if (i == std::string_view::npos) {
    throw Error("split_json_array: not a JSON array");
  }
  ++i;
  int depth = 0;
  std::size_t element_begin = std::string_view::npos;
  for (; i < array.size(); ++i) {
    const char c = array[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    if (element_begin == std::string_view::npos) {
      if (c == ']' && depth == 0) {
        return;  // empty array
      }
      element_begin = i;
    }
    if (c == '"') {
      for (++i; i < array.size() && array[i] != '"'; ++i) {
        if (array[i] == '\\') {
          ++i;
        }
      }
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (depth == 0) {
        // The closing bracket of the array: the last element ends before it.
        std::string_view element = array.substr(element_begin, i - element_begin);
        while (!element.empty() && (element.back() == ' ' || element.back() == '\n' ||
                                    element.back() == '\t' || element.back() == '\r')) {
          element.remove_suffix(1);
        }
        out.push_back(element);
        return;
      }
      --depth;
    } else if (c == ',' && depth == 0) {
      std::string_view element = array.substr(element_begin, i - element_begin);
      while (!element.empty() && (element.back() == ' ' || element.back() == '\n' ||
                                  element.back() == '\t' || element.back() == '\r')) {
        element.remove_suffix(1);
      }
      out.push_back(element);
      element_begin = std::string_view::npos;
    }
  }
  throw Error("split_json_array: unterminated JSON array");
}

}  // namespace flow::materialize
