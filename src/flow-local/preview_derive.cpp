// SPDX-License-Identifier: Apache-2.0
// `flow-local preview` for a derivation: validate, then sessions of open + transactions built
// from a fixture, the way the V1 derive runtime drives a connector (PROTOCOL.md §5):
//   read* → flush → published* → flushed → startCommit → startedCommit{state?}
// Published documents are checked (schema and key of the derived collection) and printed as
// ["<collection>",{doc}] once their transaction commits; with --output-state the state update
// of each commit is printed as ["connectorState",{…}] and merged into the state the next
// session opens with.
#include <simdjson.h>

#include <atomic>
#include <exception>
#include <filesystem>
#include <flow/json_util.hpp>
#include <flow/version.hpp>
#include <map>
#include <thread>

#include "flow-local/capture_protocol.hpp"
#include "flow-local/capture_session.hpp"
#include "flow-local/connector_process.hpp"
#include "flow-local/document_validator.hpp"
#include "flow-local/materialize_protocol.hpp"
#include "flow-local/preview.hpp"
#include "flow-local/unary_rpc.hpp"

namespace flow::local {
namespace {

namespace od = simdjson::ondemand;

constexpr std::array<std::string_view, 6> kDeriveResponseKinds = {
    "spec", "validated", "opened", "published", "flushed", "startedCommit"};

OrderedJson ordered(const nlohmann::json& value) {
  return OrderedJson::parse(value.dump());
}

// ---- The derivation as flow.yaml declares it -----------------------------------------------

struct TransformDef {
  std::string name;
  std::string source;                    ///< source collection name
  std::vector<std::string> shuffle_key;  ///< JSON pointers; empty for `shuffle: any`
  nlohmann::json shuffle_lambda;         ///< `shuffle: {lambda: …}`, else null
  nlohmann::json lambda;                 ///< `lambda:`, else null
  bool read_only = false;
  std::uint32_t backfill = 0;
};

struct DerivationDef {
  LocalEndpoint endpoint;
  std::vector<TransformDef> transforms;
  std::vector<std::string> shuffle_key_types;
  std::string base_dir;
};

std::vector<std::string> pointer_list(const nlohmann::json& value, const std::string& where) {
  if (!value.is_array()) {
    throw CatalogError(where + " must be a list of JSON pointers");
  }
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || item.get<std::string>().empty() || item.get<std::string>()[0] != '/') {
      throw CatalogError(where + " must be a list of JSON pointers (like /account)");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

DerivationDef parse_derivation(const Catalog& catalog, const CollectionDef& collection) {
  const std::string& name = collection.name;
  const nlohmann::json& derive = collection.derive;
  if (!derive.is_object()) {
    throw CatalogError(name + ": derive must be an object");
  }
  DerivationDef def;
  def.base_dir = std::filesystem::path(collection.source_file).parent_path().string();
  def.endpoint = parse_local_endpoint(derive.value("using", nlohmann::json()), def.base_dir,
                                      name + ": derive.using", Protocol::derive);
  const auto transforms = derive.find("transforms");
  if (transforms == derive.end() || !transforms->is_array() || transforms->empty()) {
    throw CatalogError(name + ": derive.transforms must be a non-empty list");
  }
  for (std::size_t i = 0; i < transforms->size(); ++i) {
    const auto& t = (*transforms)[i];
    const std::string where = name + ": derive.transforms[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) {
      throw CatalogError(where + " needs a `name`");
    }
    TransformDef transform;
    transform.name = t["name"].get<std::string>();
    const auto source = t.value("source", nlohmann::json());
    if (source.is_string()) {
      transform.source = source.get<std::string>();
    } else if (source.is_object() && source.contains("name") && source["name"].is_string()) {
      transform.source = source["name"].get<std::string>();
    } else {
      throw CatalogError(where + ".source must be a collection name (or {name: …})");
    }
    const auto& source_collection = catalog.collection(transform.source);
    const auto shuffle = t.value("shuffle", nlohmann::json());
    if (shuffle.is_null()) {
      transform.shuffle_key = source_collection.key;  // shuffle on the source key by default
    } else if (shuffle == "any") {
      // no key: documents go to any shard
    } else if (shuffle.is_object() && shuffle.contains("key")) {
      transform.shuffle_key = pointer_list(shuffle["key"], where + ".shuffle.key");
    } else if (shuffle.is_object() && shuffle.contains("lambda")) {
      transform.shuffle_lambda = shuffle["lambda"];
    } else {
      throw CatalogError(where + ".shuffle must be `any`, {key: [...]} or {lambda: ...}");
    }
    transform.lambda = t.value("lambda", nlohmann::json());
    transform.read_only = t.value("readOnly", false);
    transform.backfill = t.value("backfill", std::uint32_t{0});
    def.transforms.push_back(std::move(transform));
  }
  if (const auto types = derive.find("shuffleKeyTypes"); types != derive.end()) {
    for (const auto& type : *types) {
      def.shuffle_key_types.push_back(type.get<std::string>());
    }
  }
  return def;
}

// ---- Requests --------------------------------------------------------------------------------

OrderedJson derivation_spec(const Catalog& catalog, const DerivationDef& def) {
  OrderedJson spec;
  spec["connectorType"] = "LOCAL";
  spec["config"] = ordered(def.endpoint.config);
  OrderedJson transforms = OrderedJson::array();
  for (const auto& t : def.transforms) {
    OrderedJson transform;
    transform["name"] = t.name;
    transform["collection"] = collection_spec(catalog.collection(t.source));
    if (!t.shuffle_key.empty()) {
      transform["shuffleKey"] = t.shuffle_key;
    }
    if (!t.shuffle_lambda.is_null()) {
      transform["shuffleLambdaConfig"] = ordered(t.shuffle_lambda);
    }
    if (!t.lambda.is_null()) {
      transform["lambdaConfig"] = ordered(t.lambda);
    }
    if (t.read_only) {
      transform["readOnly"] = true;
    }
    if (t.backfill != 0) {
      transform["backfill"] = t.backfill;
    }
    transforms.push_back(std::move(transform));
  }
  spec["transforms"] = std::move(transforms);
  if (!def.shuffle_key_types.empty()) {
    spec["shuffleKeyTypes"] = def.shuffle_key_types;
  }
  return spec;
}

std::string validate_request(const Catalog& catalog,
                             const CollectionDef& collection,
                             const DerivationDef& def) {
  OrderedJson body;
  body["connectorType"] = "LOCAL";
  body["config"] = ordered(def.endpoint.config);
  body["collection"] = collection_spec(collection);
  OrderedJson transforms = OrderedJson::array();
  for (const auto& t : def.transforms) {
    OrderedJson transform;
    transform["name"] = t.name;
    transform["collection"] = collection_spec(catalog.collection(t.source));
    if (!t.shuffle_lambda.is_null()) {
      transform["shuffleLambdaConfig"] = ordered(t.shuffle_lambda);
    }
    if (!t.lambda.is_null()) {
      transform["lambdaConfig"] = ordered(t.lambda);
    }
    if (t.backfill != 0) {
      transform["backfill"] = t.backfill;
    }
    transforms.push_back(std::move(transform));
  }
  body["transforms"] = std::move(transforms);
  if (!def.shuffle_key_types.empty()) {
    body["shuffleKeyTypes"] = def.shuffle_key_types;
  }
  body["projectRoot"] = "file://" + def.base_dir;
  return OrderedJson{{"validate", body}}.dump();
}

std::string open_request(const OrderedJson& collection_with_derivation,
                         const nlohmann::json& state) {
  OrderedJson body;
  body["collection"] = collection_with_derivation;
  body["version"] = "flow-local";
  body["range"] = {{"keyEnd", 4294967295U}, {"rClockEnd", 4294967295U}};
  body["state"] = ordered(state);
  return OrderedJson{{"open", body}}.dump();
}

// ---- Response checks -------------------------------------------------------------------------

void check_derive_spec(const Response& r, Conformance& c) {
  // Derive's Spec has no resourcePathPointers (reserved): older runtimes reject it.
  check_fields(r.body,
               {"protocol", "configSchema", "resourceConfigSchema", "documentationUrl", "oauth2"},
               "spec", r, c);
  const auto* protocol = find_field(r.body, "protocol");
  if (protocol == nullptr || !protocol->is_number_unsigned() ||
      protocol->get<std::uint64_t>() != flow::kProtocolVersion) {
    c.violation(rule::kProtocolVersion, r.line,
                "spec.protocol must be " + std::to_string(flow::kProtocolVersion), r.text);
  }
  for (const auto* field : {"configSchema", "resourceConfigSchema"}) {
    const auto* schema = find_field(r.body, field);
    if (schema == nullptr || !schema->is_object()) {
      c.violation(rule::kFieldType, r.line, std::string("spec.") + field + " must be an object",
                  r.text);
    }
  }
}

void check_validated(const Response& r,
                     const DerivationDef& def,
                     Console& console,
                     Conformance& c) {
  check_fields(r.body, {"transforms", "generatedFiles"}, "validated", r, c);
  const auto* transforms = find_field(r.body, "transforms");
  const std::size_t count =
      transforms != nullptr && transforms->is_array() ? transforms->size() : 0;
  if (count != def.transforms.size()) {
    c.violation(rule::kValidatedBindings, r.line,
                "validated.transforms has " + std::to_string(count) +
                    " entries; it needs one per transform (" +
                    std::to_string(def.transforms.size()) + "), in order",
                r.text);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& t = (*transforms)[i];
    const std::string where = "validated.transforms[" + std::to_string(i) + "]";
    check_fields(t, {"readOnly"}, where, r, c);
    if (const auto* read_only = find_field(t, "readOnly");
        read_only != nullptr && !read_only->is_boolean()) {
      c.violation(rule::kFieldType, r.line, where + ".readOnly must be a boolean", r.text);
    }
  }
  if (const auto* files = find_field(r.body, "generatedFiles"); files != nullptr) {
    if (!files->is_object()) {
      c.violation(rule::kFieldType, r.line, "validated.generatedFiles must be a map", r.text);
    } else {
      for (const auto& [url, content] : files->items()) {
        if (!content.is_string()) {
          c.violation(rule::kFieldType, r.line,
                      "validated.generatedFiles[" + url + "] must be a string", r.text);
        }
      }
      if (!files->empty()) {
        console.message(flow::log::Level::info,
                        "the derivation generated files (not written by preview)",
                        {{"files", files->size()}});
      }
    }
  }
}

// ---- Fixture ---------------------------------------------------------------------------------

struct FixtureDoc {
  std::string collection;
  nlohmann::json doc;
};
using Transaction = std::vector<FixtureDoc>;

FixtureDoc fixture_doc(const nlohmann::json& pair, const std::string& where) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) {
    throw flow::ConfigError(where + ": expected [\"<collection>\", {document}]");
  }
  return {pair[0].get<std::string>(), pair[1]};
}

/// A JSON array of transactions of [collection, doc] pairs, or NDJSON of such pairs with
/// {"commit":true} lines ending each transaction.
std::vector<Transaction> load_fixture(const std::string& path) {
  const std::string text = read_text_file(path, "fixture");
  std::vector<Transaction> transactions;
  const auto first = text.find_first_not_of(" \t\r\n");
  const nlohmann::json whole =
      first != std::string::npos && text[first] == '['
          ? nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false)
          : nlohmann::json(nlohmann::json::value_t::discarded);
  if (!whole.is_discarded() && whole.is_array() &&
      (whole.empty() || (whole[0].is_array() && (whole[0].empty() || whole[0][0].is_array())))) {
    for (std::size_t t = 0; t < whole.size(); ++t) {
      if (!whole[t].is_array()) {
        throw flow::ConfigError("fixture " + path + ": transaction " + std::to_string(t + 1) +
                                " must be a list of [collection, document] pairs");
      }
      Transaction txn;
      for (std::size_t d = 0; d < whole[t].size(); ++d) {
        txn.push_back(fixture_doc(whole[t][d], "fixture " + path + ": transaction " +
                                                   std::to_string(t + 1) + ", document " +
                                                   std::to_string(d + 1)));
      }
      transactions.push_back(std::move(txn));
    }
    return transactions;
  }
  Transaction txn;
  std::size_t number = 0;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    const std::string where = "fixture " + path + " line " + std::to_string(number);
    const auto value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      throw flow::ConfigError(where + ": not JSON");
    }
    if (value.is_object() && value.value("commit", false)) {
      transactions.push_back(std::move(txn));
      txn.clear();
      continue;
    }
    txn.push_back(fixture_doc(value, where));
  }
  if (!txn.empty()) {
    transactions.push_back(std::move(txn));
  }
  return transactions;
}

/// Every fixture document must belong to a source collection of the derivation and validate
/// against that collection's (read) schema, as documents in a real collection would.
void check_fixture(const Catalog& catalog,
                   const std::string& derivation,
                   const DerivationDef& def,
                   const std::vector<Transaction>& fixture,
                   const std::string& path) {
  std::map<std::string, DocumentValidator> validators;
  for (const auto& transform : def.transforms) {
    if (validators.find(transform.source) == validators.end()) {
      const auto& source = catalog.collection(transform.source);
      validators.emplace(transform.source,
                         DocumentValidator(source.read_schema.is_null() ? source.write_schema
                                                                        : source.read_schema));
    }
  }
  for (std::size_t t = 0; t < fixture.size(); ++t) {
    for (std::size_t d = 0; d < fixture[t].size(); ++d) {
      const auto& item = fixture[t][d];
      const std::string where = "fixture " + path + ": transaction " + std::to_string(t + 1) +
                                ", document " + std::to_string(d + 1);
      const auto found = validators.find(item.collection);
      if (found == validators.end()) {
        throw flow::ConfigError(where + " is of collection " + item.collection +
                                ", which no transform of " + derivation + " reads");
      }
      if (auto error = found->second.validate(item.doc)) {
        throw flow::ConfigError(where + " does not validate against the schema of " +
                                item.collection + ", " + *error);
      }
    }
  }
}

/// The shuffle key of `doc` as a JSON array (null for absent locations).
std::string shuffle_key_json(const nlohmann::json& doc, const std::vector<std::string>& key) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& ptr : key) {
    const auto* value = flow::json::find_pointer(doc, ptr);
    out.push_back(value != nullptr ? *value : nlohmann::json());
  }
  return out.dump();
}

/// FNV-1a of the key's JSON text: a stable 32-bit hash (not the runtime's; preview has one
/// shard covering every hash anyway).
std::uint32_t key_hash(std::string_view key_json) {
  std::uint32_t hash = 2166136261U;
  for (const char c : key_json) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619U;
  }
  return hash;
}

// ---- A session -------------------------------------------------------------------------------

struct DeriveContext {
  RunContext& ctx;
  const CollectionDef& collection;
  const DerivationDef& def;
  OrderedJson collection_with_derivation;
  std::string prefix;  // ["<collection>",
  std::optional<DocumentValidator> validator;
  std::uint64_t clock = 0;
  bool warned_flushed_state = false;
};

/// The raw `doc` of a `published` line (simdjson, no re-serialisation), or nullopt when the
/// line is not a `published` message.
std::optional<std::string_view> published_doc(od::parser& parser, const flow::Line& line) {
  od::document doc;
  if (parser.iterate(line.text.data(), line.text.size(), line.capacity).get(doc) !=
      simdjson::SUCCESS) {
    return std::nullopt;
  }
  od::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<std::string_view> raw;
  std::size_t keys = 0;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    ++keys;
    if (key != "published") {
      return std::nullopt;
    }
    od::object body;
    if (field.value().get_object().get(body) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    std::size_t body_keys = 0;
    for (auto body_field : body) {
      std::string_view body_key;
      if (body_field.unescaped_key().get(body_key) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      ++body_keys;
      std::string_view text;
      if ((body_key != "doc" && body_key != "doc_json") ||
          simdjson::to_json_string(body_field.value()).get(text) != simdjson::SUCCESS) {
        return std::nullopt;  // unknown fields: let the cold path report them
      }
      raw = text;
    }
    if (body_keys != 1) {
      return std::nullopt;
    }
  }
  if (keys != 1) {
    return std::nullopt;
  }
  return raw;
}

struct SessionResult {
  std::size_t transactions = 0;
  bool stopped = false;  // timeout, or the connector ended the session
};

SessionResult run_session(DeriveContext& dc,
                          const std::vector<Transaction>& fixture,
                          std::size_t first,
                          std::size_t count,
                          nlohmann::json& state,
                          const PreviewOptions& options,
                          std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto& ctx = dc.ctx;
  auto& conformance = ctx.conformance;
  auto& printer = ctx.printer;
  SessionResult result;

  // Which transforms read each collection.
  std::map<std::string, std::vector<std::uint32_t>> readers;
  for (std::uint32_t i = 0; i < dc.def.transforms.size(); ++i) {
    readers[dc.def.transforms[i].source].push_back(i);
  }
  // Build every read line of the session up front (the writer thread only sends).
  std::vector<std::vector<std::string>> requests;
  for (std::size_t t = first; t < first + count; ++t) {
    std::vector<std::string> lines;
    for (const auto& item : fixture[t]) {
      const auto found = readers.find(item.collection);
      if (found == readers.end()) {
        throw flow::ConfigError("fixture document of collection " + item.collection +
                                ", which no transform of " + dc.collection.name + " reads");
      }
      const std::string doc = item.doc.dump();
      for (const std::uint32_t index : found->second) {
        const auto& transform = dc.def.transforms[index];
        std::string line = R"({"read":{"transform":)" + std::to_string(index);
        dc.clock += 16;  // UUID clocks: 100ns ticks << 4 | sequence; only their order matters
        line += R"(,"uuid":{"node":"0","clock":")" + std::to_string(dc.clock) + "\"}";
        if (!transform.shuffle_key.empty()) {
          const std::string key = shuffle_key_json(item.doc, transform.shuffle_key);
          line +=
              R"(,"shuffle":{"key":)" + key + R"(,"hash":)" + std::to_string(key_hash(key)) + "}";
        }
        line += R"(,"doc":)" + doc + "}}";
        lines.push_back(std::move(line));
      }
    }
    requests.push_back(std::move(lines));
  }

  ConnectorProcess connector(dc.def.endpoint, ctx.console, ctx.log_level);
  if (deadline) {
    connector.stop_after(*deadline, ctx.exit_grace);
  }
  connector.send_internal_spec();
  connector.send(open_request(dc.collection_with_derivation, state));

  auto next_response = [&]() -> std::optional<std::pair<flow::Line, std::optional<Response>>> {
    auto line = connector.next_line();
    if (!line) {
      return std::nullopt;
    }
    return std::make_pair(*line, parse_response(*line, kDeriveResponseKinds, conformance));
  };

  // Internal spec, then opened.
  bool opened = false;
  for (int step = 0; step < 2; ++step) {
    auto response = next_response();
    if (!response) {
      break;
    }
    const auto& r = response->second;
    if (!r) {
      continue;
    }
    if (step == 0) {
      if (r->kind != "spec") {
        conformance.violation(
            rule::kResponseKind, r->line,
            "expected `spec` in answer to the internal spec request, got `" + r->kind + "`",
            r->text);
      } else {
        check_derive_spec(*r, conformance);
      }
    } else if (r->kind != "opened") {
      conformance.violation(rule::kOpenedFirst, r->line,
                            "the first response to open must be `opened`, got `" + r->kind + "`",
                            r->text);
    } else {
      check_fields(r->body, {"runtimeCheckpoint"}, "opened", *r, conformance);
      opened = true;
    }
  }

  od::parser parser;
  std::size_t last_line = 0;
  bool connector_ended = !opened;
  for (std::size_t t = 0; t < requests.size() && !connector_ended; ++t) {
    if (connector.stopped_by_timer()) {
      result.stopped = true;
      break;
    }
    // Send reads and flush from a thread while this one reads responses: a connector may
    // publish while reading, and neither side may block the other on a full pipe.
    std::atomic<bool> flush_sent{false};
    std::exception_ptr writer_error;
    std::thread writer([&, t] {
      try {
        for (const auto& line : requests[t]) {
          if (!connector.send(line)) {
            return;
          }
        }
        flush_sent = true;  // set before sending: a `flushed` can only follow it
        connector.send(R"({"flush":{}})");
      } catch (...) {
        writer_error = std::current_exception();
      }
    });

    std::size_t published = 0;
    bool flushed = false;
    while (!flushed) {
      auto line = connector.next_line();
      if (!line) {
        connector_ended = true;
        break;
      }
      last_line = line->number;
      if (auto doc = published_doc(parser, *line)) {  // the hot path
        if (ctx.validate_documents) {
          const auto parsed = nlohmann::json::parse(*doc, nullptr, /*allow_exceptions=*/false);
          if (auto error = dc.validator->validate(parsed)) {
            conformance.violation(rule::kDocumentSchema, line->number,
                                  "a published document does not validate against the schema "
                                  "of " +
                                      dc.collection.name + ", " + *error,
                                  line->text);
          }
          for (const auto& ptr : dc.collection.key) {
            if (flow::json::find_pointer(parsed, ptr) == nullptr) {
              conformance.violation(rule::kDocumentKey, line->number,
                                    "a published document has no value at key pointer " + ptr,
                                    line->text);
            }
          }
        }
        printer.stage_document(dc.prefix, *doc);
        ++published;
        continue;
      }
      auto r = parse_response(*line, kDeriveResponseKinds, conformance);
      if (!r) {
        continue;
      }
      if (r->kind == "published") {
        check_fields(r->body, {"doc"}, "published", *r, conformance);
        continue;  // lenient: unusable
      }
      if (r->kind != "flushed") {
        conformance.violation(rule::kResponseKind, r->line,
                              "unexpected `" + r->kind +
                                  "` during a transaction (expected "
                                  "`published` or `flushed`)",
                              r->text);
        continue;
      }
      if (!flush_sent) {
        conformance.violation(rule::kResponseKind, r->line,
                              "`flushed` before `flush` was sent (the runtime fails with "
                              "\"connector sent Flushed before receiving Flush\")",
                              r->text);
      }
      check_fields(r->body, {"state", "more"}, "flushed", *r, conformance);
      if (check_state_update(*r, conformance) && !dc.warned_flushed_state) {
        dc.warned_flushed_state = true;
        ctx.console.message(flow::log::Level::warn,
                            "flushed.state is ignored: like the runtime in production, "
                            "flow-local persists state from startedCommit.state");
      }
      flushed = true;
    }
    writer.join();
    if (writer_error) {
      std::rethrow_exception(writer_error);
    }
    if (!flushed) {
      break;
    }

    connector.send(R"({"startCommit":{"runtimeCheckpoint":{}}})");
    bool committed = false;
    while (auto line = connector.next_line()) {
      last_line = line->number;
      auto r = parse_response(*line, kDeriveResponseKinds, conformance);
      if (!r) {
        continue;
      }
      if (r->kind != "startedCommit") {
        conformance.violation(rule::kResponseKind, r->line,
                              "unexpected `" + r->kind +
                                  "` after `flushed` (only `startedCommit` may follow; a `flushed` "
                                  "sent before `flush` arrived shows up this way too)",
                              r->text);
        continue;
      }
      check_fields(r->body, {"state"}, "startedCommit", *r, conformance);
      if (auto update = check_state_update(*r, conformance)) {
        if (update->merge_patch) {
          flow::json::merge_patch(state, update->updated);
        } else {
          state = update->updated;
        }
        if (options.output_state) {
          printer.stage_line(connector_state_line(update->updated, update->merge_patch));
        }
      }
      committed = true;
      break;
    }
    if (!committed) {
      connector_ended = true;
      break;
    }
    printer.commit();
    printer.flush();
    ++result.transactions;
    if (ctx.log_level == "debug" || ctx.log_level == "trace") {
      ctx.console.message(flow::log::Level::debug, "transaction committed",
                          {{"transaction", first + t + 1}, {"published", published}});
    }
    if (options.delay.count() > 0) {
      std::this_thread::sleep_for(options.delay);
    }
  }

  printer.discard();  // documents of a transaction that never committed are never shown
  const bool timed_out = connector.stopped_by_timer();
  connector.close_stdin();
  // After EOF a connector must not write anything more.
  while (auto line = connector.next_line()) {
    last_line = line->number;
    if (!timed_out) {
      conformance.violation(rule::kResponseKind, line->number,
                            "output after the session ended (stdin was closed)", line->text);
    }
  }
  const auto status = connector.finish(ctx.exit_grace);
  printer.flush();
  if (!status.success() && !timed_out) {
    const auto last = ctx.console.last_connector_message();
    throw ConnectorError("connector `" + connector.program() + "` failed (" + status.describe() +
                         "): " + (last.empty() ? "connector exited with no log output" : last) +
                         connector.codec_hint());
  }
  if (connector_ended && !timed_out) {
    conformance.violation(opened ? rule::kResponseKind : rule::kOpenedFirst, last_line,
                          opened ? "the connector exited in the middle of a transaction"
                                 : "the connector exited without answering open with `opened`");
  }
  result.stopped = result.stopped || timed_out || connector_ended;
  return result;
}

}  // namespace

int preview_derive(RunContext& ctx, const PreviewOptions& options, const std::string& name) {
  if (!options.fixture) {
    throw flow::ConfigError("previewing derivation " + name +
                            " needs --fixture FILE (source documents to derive from)");
  }
  const auto start = std::chrono::steady_clock::now();
  const auto& collection = ctx.catalog.collection(name);
  const DerivationDef def = parse_derivation(ctx.catalog, collection);
  const auto fixture = load_fixture(*options.fixture);
  if (ctx.validate_documents) {
    check_fixture(ctx.catalog, name, def, fixture, *options.fixture);
  }

  auto validated = run_unary(ctx, def.endpoint, validate_request(ctx.catalog, collection, def),
                             "validated", kDeriveResponseKinds, check_derive_spec);
  check_validated(validated.response, def, ctx.console, ctx.conformance);

  DeriveContext dc{.ctx = ctx,
                   .collection = collection,
                   .def = def,
                   .collection_with_derivation = collection_spec(collection),
                   .prefix = OutputPrinter::collection_prefix(collection.name),
                   .validator = std::nullopt};
  dc.collection_with_derivation["derivation"] = derivation_spec(ctx.catalog, def);
  if (ctx.validate_documents) {
    dc.validator.emplace(collection.write_schema);
  }

  nlohmann::json state = options.initial_state;
  std::vector<std::int64_t> sessions = options.sessions;
  if (sessions.empty()) {
    sessions.push_back(-1);
  }
  std::size_t next = 0;
  for (const auto max_transactions : sessions) {
    if (next >= fixture.size()) {
      break;
    }
    const std::size_t remaining = fixture.size() - next;
    const std::size_t count = max_transactions < 0
                                  ? remaining
                                  : std::min(remaining, static_cast<std::size_t>(max_transactions));
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (options.timeout) {
      deadline = start + *options.timeout;
    }
    const auto result = run_session(dc, fixture, next, count, state, options, deadline);
    next += result.transactions;
    if (result.stopped) {
      break;
    }
  }
  ctx.printer.flush();
  return 0;
}

}  // namespace flow::local
