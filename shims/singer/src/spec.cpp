// SPDX-License-Identifier: Apache-2.0
#include <flow/singer/spec.hpp>

namespace flow::singer {

using nlohmann::json;

std::optional<json> config_schema_from_about(std::string_view about_stdout) {
  json about = json::parse(about_stdout.begin(), about_stdout.end(), nullptr, false);
  if (about.is_discarded()) {
    // Tolerate log lines around the document: take the outermost braces.
    auto begin = about_stdout.find('{');
    auto end = about_stdout.rfind('}');
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
      return std::nullopt;
    }
    about =
        json::parse(about_stdout.begin() + static_cast<std::ptrdiff_t>(begin),
                    about_stdout.begin() + static_cast<std::ptrdiff_t>(end + 1), nullptr, false);
  }
  if (!about.is_object()) {
    return std::nullopt;
  }
  auto settings = about.find("settings");
  if (settings == about.end() || !settings->is_object()) {
    return std::nullopt;
  }
  json schema = *settings;
  if (!schema.contains("type")) {
    schema["type"] = "object";
  }
  if (!schema.contains("properties")) {
    schema["properties"] = json::object();
  }
  return schema;
}

json permissive_config_schema() {
  return {{"type", "object"},
          {"description",
           "The tap's settings (its schema is not known: the tap has no --about and no "
           "schema file was given)."}};
}

json resource_config_schema() {
  return {
      {"type", "object"},
      {"title", "Singer stream"},
      {"properties",
       {{"tap_stream_id",
         {{"type", "string"},
          {"title", "Stream ID"},
          {"description", "The tap_stream_id of the stream in the tap's catalog."}}},
        {"stream",
         {{"type", "string"}, {"title", "Stream name"}, {"description", "The stream's name."}}},
        {"replication_method",
         {{"type", "string"},
          {"title", "Replication method"},
          {"enum", {"FULL_TABLE", "INCREMENTAL", "LOG_BASED"}},
          {"default", "FULL_TABLE"}}},
        {"replication_key",
         {{"type", "string"},
          {"title", "Replication key"},
          {"description", "The field INCREMENTAL replication bookmarks on."}}},
        {"fields",
         {{"type", "array"},
          {"title", "Selected fields"},
          {"description",
           "The properties to select. Absent: all of them. Fields the tap marks automatic are "
           "always synced."},
          {"items", {{"type", "string"}}}}}}},
      {"required", {"tap_stream_id"}},
  };
}

}  // namespace flow::singer
