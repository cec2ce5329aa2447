// SPDX-License-Identifier: Apache-2.0
#include "sqlite_materialization.hpp"

#include <flow/error.hpp>
#include <flow/log.hpp>
#include <set>

#include "sql_value.hpp"

namespace m = flow::materialize;
using sqlite::quote_identifier;

namespace {

constexpr const char* kCheckpointTable = "flow_checkpoints";

std::string config_path(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("path") || !config["path"].is_string() ||
      config["path"].get<std::string>().empty()) {
    throw flow::ConfigError("endpoint config needs \"path\": the SQLite database file");
  }
  return config["path"].get<std::string>();
}

std::string table_name(const nlohmann::json& resource_config) {
  if (!resource_config.contains("table") || !resource_config["table"].is_string() ||
      resource_config["table"].get<std::string>().empty()) {
    throw flow::ConfigError("resource config needs \"table\": " + resource_config.dump());
  }
  return resource_config["table"].get<std::string>();
}

bool delta_updates(const nlohmann::json& resource_config) {
  return resource_config.value("delta_updates", false);
}

/// Every selected column in Store order: keys, values, then the document.
std::vector<std::string> columns(const m::FieldSelection& selection) {
  std::vector<std::string> all = selection.keys;
  all.insert(all.end(), selection.values.begin(), selection.values.end());
  if (!selection.document.empty()) {
    all.push_back(selection.document);
  }
  return all;
}

std::string declared_type(const flow::CollectionSpec& collection,
                          const std::string& field,
                          const m::FieldSelection& selection) {
  if (field == selection.document) {
    return "TEXT";
  }
  for (const auto& projection : collection.projections) {
    if (projection.field == field && projection.inference.is_object() &&
        projection.inference.contains("types")) {
      return sqlite::column_type(projection.inference["types"].get<std::vector<std::string>>());
    }
  }
  return "";
}

std::string where_keys(const std::vector<std::string>& keys) {
  std::string sql = " WHERE ";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    sql += (i == 0 ? "" : " AND ") + quote_identifier(keys[i]) + " = ?";
  }
  return sql;
}

std::set<std::string> existing_columns(sqlite::Database& db, const std::string& table) {
  std::set<std::string> names;
  auto info = db.prepare("SELECT name FROM pragma_table_info(?)");
  sqlite3_bind_text(info.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
  while (info.step()) {
    names.emplace(info.column_text(0));
  }
  return names;
}

}  // namespace

m::Spec SqliteMaterialization::spec(const m::SpecRequest& /*request*/) {
  return {
      .config_schema = {{"type", "object"},
                        {"title", "SQLite"},
                        {"required", {"path"}},
                        {"properties",
                         {{"path",
                           {{"type", "string"},
                            {"title", "Database file"},
                            {"description",
                             "Path of the SQLite database file (created if missing)."}}}}}},
      .resource_config_schema =
          {{"type", "object"},
           {"required", {"table"}},
           {"properties",
            {{"table", {{"type", "string"}, {"x-collection-name", true}}},
             {"delta_updates",
              {{"type", "boolean"}, {"default", false}, {"x-delta-updates", true}}}}}},
      .documentation_url = "https://github.com/estuary/flow",
      .oauth2 = nullptr,
  };
}

std::vector<m::ValidatedBinding> SqliteMaterialization::validate(const m::Validate& request) {
  config_path(request.config);
  std::vector<m::ValidatedBinding> result;
  std::set<std::string> seen;
  for (const auto& binding : request.bindings) {
    const std::string table = table_name(binding.resource_config);
    if (table == kCheckpointTable) {
      throw flow::ConfigError("table name \"flow_checkpoints\" is reserved for checkpoints");
    }
    if (!seen.insert(table).second) {
      throw flow::ConfigError("two bindings write table \"" + table + "\"");
    }
    const bool delta = delta_updates(binding.resource_config);
    // Standard bindings load documents back, so they need the root document.
    result.push_back(m::optional_everything(binding, {table}, !delta, delta));
  }
  return result;
}

m::Applied SqliteMaterialization::apply(const m::Apply& request) {
  sqlite::Database db(config_path(request.materialization.config));
  std::vector<std::string> actions;
  db.exec("BEGIN IMMEDIATE");
  db.exec(std::string("CREATE TABLE IF NOT EXISTS ") + kCheckpointTable +
          " (materialization TEXT NOT NULL, key_begin INTEGER NOT NULL, key_end INTEGER NOT NULL,"
          " checkpoint TEXT NOT NULL, PRIMARY KEY (materialization, key_begin, key_end))");
  for (const auto& binding : request.materialization.bindings) {
    const std::string table = table_name(binding.resource_config);
    const auto& selection = binding.field_selection;
    const auto wanted = columns(selection);
    const auto existing = existing_columns(db, table);
    if (existing.empty()) {
      std::string sql = "CREATE TABLE " + quote_identifier(table) + " (";
      for (std::size_t i = 0; i < wanted.size(); ++i) {
        sql += (i == 0 ? "" : ", ") + quote_identifier(wanted[i]) + " " +
               declared_type(binding.collection, wanted[i], selection);
      }
      if (!binding.delta_updates && !selection.keys.empty()) {
        sql += ", PRIMARY KEY (";
        for (std::size_t i = 0; i < selection.keys.size(); ++i) {
          sql += (i == 0 ? "" : ", ") + quote_identifier(selection.keys[i]);
        }
        sql += ")";
      }
      sql += ")";
      db.exec(sql);
      actions.push_back("created table " + quote_identifier(table));
      continue;
    }
    for (const auto& column : wanted) {
      if (existing.count(column) == 0) {
        db.exec("ALTER TABLE " + quote_identifier(table) + " ADD COLUMN " +
                quote_identifier(column) + " " +
                declared_type(binding.collection, column, selection));
        actions.push_back("added column " + quote_identifier(table) + "." +
                          quote_identifier(column));
      }
    }
  }
  db.exec("COMMIT");
  std::string description;
  for (const auto& action : actions) {
    description += (description.empty() ? "" : "; ") + action;
  }
  return {.action_description = description, .state = std::nullopt};
}

void SqliteMaterialization::open_destination(const m::Open& request) {
  materialization_ = request.materialization.name;
  range_ = request.range;
  db_ = std::make_unique<sqlite::Database>(config_path(request.materialization.config));
  // WAL with synchronous=FULL: every COMMIT is durable once it returns.
  db_->exec("PRAGMA journal_mode=WAL");
  db_->exec("PRAGMA synchronous=FULL");
  tables_.clear();
  for (const auto& binding : request.materialization.bindings) {
    const auto& selection = binding.field_selection;
    Table table;
    table.name = table_name(binding.resource_config);
    table.delta_updates = binding.delta_updates;
    table.has_document = !selection.document.empty();
    table.keys = selection.keys.size();
    const std::string quoted = quote_identifier(table.name);
    const auto all = columns(selection);
    std::string names;
    std::string params;
    for (std::size_t i = 0; i < all.size(); ++i) {
      names += (i == 0 ? "" : ", ") + quote_identifier(all[i]);
      params += i == 0 ? "?" : ", ?";
    }
    if (!binding.delta_updates) {
      if (!table.has_document) {
        throw flow::ConfigError("binding for table " + quoted +
                                " must select the root document (it is loaded back)");
      }
      table.load = db_->prepare("SELECT " + quote_identifier(selection.document) + " FROM " +
                                quoted + where_keys(selection.keys));
      table.remove = db_->prepare("DELETE FROM " + quoted + where_keys(selection.keys));
    }
    // INSERT OR REPLACE upserts by the primary key; delta-updates tables have none and append.
    std::string insert = binding.delta_updates ? "INSERT INTO " : "INSERT OR REPLACE INTO ";
    insert.append(quoted)
        .append(" (")
        .append(names)
        .append(") VALUES (")
        .append(params)
        .append(")");
    table.upsert = db_->prepare(insert);
    tables_.push_back(std::move(table));
  }
  save_checkpoint_ = db_->prepare(std::string("INSERT OR REPLACE INTO ") + kCheckpointTable +
                                  " (materialization, key_begin, key_end, checkpoint)"
                                  " VALUES (?, ?, ?, ?)");
  // BEGIN IMMEDIATE takes the write lock now: a second instance of this task fails at open
  // instead of interleaving with us.
  db_->exec("BEGIN IMMEDIATE");
}

std::string SqliteMaterialization::stored_checkpoint(const m::Open& /*request*/) {
  auto select = db_->prepare(std::string("SELECT checkpoint FROM ") + kCheckpointTable +
                             " WHERE materialization = ? AND key_begin = ? AND key_end = ?");
  sqlite3_bind_text(select.get(), 1, materialization_.data(),
                    static_cast<int>(materialization_.size()), SQLITE_STATIC);
  sqlite3_bind_int64(select.get(), 2, range_.key_begin);
  sqlite3_bind_int64(select.get(), 3, range_.key_end);
  std::string checkpoint;
  if (select.step()) {
    checkpoint = select.column_text(0);
  }
  flow::log::info(
      "opened SQLite materialization",
      {{"tables", tables_.size()}, {"resumingFromStoredCheckpoint", !checkpoint.empty()}});
  return checkpoint;
}

void SqliteMaterialization::load(const m::Load& request, m::Loaded& out) {
  Table& table = tables_.at(request.binding);
  for (std::size_t i = 0; i < request.key_fields.size(); ++i) {
    sqlite::bind_json(table.load.get(), static_cast<int>(i + 1), request.key_fields[i], scratch_);
  }
  if (table.load.step()) {
    out.loaded(request.binding, table.load.column_text(0));
  }
  table.load.reset();
}

void SqliteMaterialization::store(const m::Store& request) {
  Table& table = tables_.at(request.binding);
  if (request.is_delete) {
    if (table.delta_updates) {
      return;  // an append-only table keeps no row per key to delete
    }
    for (std::size_t i = 0; i < request.key_fields.size(); ++i) {
      sqlite::bind_json(table.remove.get(), static_cast<int>(i + 1), request.key_fields[i],
                        scratch_);
    }
    table.remove.step();
    table.remove.reset();
    return;
  }
  int index = 1;
  for (const auto field : request.key_fields) {
    sqlite::bind_json(table.upsert.get(), index++, field, scratch_);
  }
  for (const auto field : request.value_fields) {
    sqlite::bind_json(table.upsert.get(), index++, field, scratch_);
  }
  if (table.has_document) {
    sqlite3_bind_text(table.upsert.get(), index, request.doc.data(),
                      static_cast<int>(request.doc.size()), SQLITE_STATIC);
  }
  table.upsert.step();
  table.upsert.reset();
}

void SqliteMaterialization::commit(std::string_view runtime_checkpoint) {
  sqlite3_bind_text(save_checkpoint_.get(), 1, materialization_.data(),
                    static_cast<int>(materialization_.size()), SQLITE_STATIC);
  sqlite3_bind_int64(save_checkpoint_.get(), 2, range_.key_begin);
  sqlite3_bind_int64(save_checkpoint_.get(), 3, range_.key_end);
  sqlite3_bind_text(save_checkpoint_.get(), 4, runtime_checkpoint.data(),
                    static_cast<int>(runtime_checkpoint.size()), SQLITE_STATIC);
  save_checkpoint_.step();
  save_checkpoint_.reset();
  db_->exec("COMMIT");
  db_->exec("BEGIN IMMEDIATE");
}
