// SPDX-License-Identifier: Apache-2.0
// derive-running-totals: a stateful Flow derivation (see running_totals.hpp and README.md).
#include "running_totals.hpp"

int main(int argc, char** argv) {
  return flow::derive::run<RunningTotals>(argc, argv);
}
