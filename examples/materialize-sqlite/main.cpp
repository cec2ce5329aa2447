// SPDX-License-Identifier: Apache-2.0
// materialize-sqlite: see sqlite_materialization.hpp.

#include <flow/materialize.hpp>

#include "sqlite_materialization.hpp"

int main(int argc, char** argv) {
  return flow::materialize::run<SqliteMaterialization>(argc, argv);
}
