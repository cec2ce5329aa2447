// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>

#include "flow-local/catalog.hpp"
#include "flow-local/conformance.hpp"
#include "flow-local/console.hpp"
#include "flow-local/output_printer.hpp"

/// What every verb needs: the loaded catalog, stderr, the conformance reporter, stdout, and
/// the global options. Built once by main() and passed by reference.
///
/// Example:
///   flow::local::RunContext ctx{catalog, console, conformance, printer};
///   ctx.log_level = "debug";
namespace flow::local {

struct RunContext {
  const Catalog& catalog;
  Console& console;
  Conformance& conformance;
  OutputPrinter& printer;
  std::string source;              ///< --source as the user wrote it (for messages)
  std::string log_level = "info";  ///< LOG_LEVEL passed to connectors
  /// How long a connector may take to exit after its stdin closed before it is killed.
  std::chrono::milliseconds exit_grace{5000};
  bool validate_documents = true;  ///< false with --no-validate
};

}  // namespace flow::local
