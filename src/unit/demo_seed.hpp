// demo_seed: fills an empty database with a demo partnership (one librarian, one teacher) and a
// sample unit whose content both partners "typed" as real ops, so authorship and history are real.
#pragma once
#include <string>

#include "auth/password_hasher.hpp"
#include "store/account_store.hpp"
#include "store/op_log_writer.hpp"
#include "unit/unit_registry.hpp"

namespace coplan::unit {

struct demo_account {
  std::string username;
  std::string password;
  std::string name;
  std::string role;
};

class demo_seed {
public:
  static const demo_account& librarian();
  static const demo_account& teacher();
  // Seeds only when the database has no users; returns true when it seeded.
  static bool run_if_empty(unit_registry& registry, store::account_store& accounts, store::op_log_writer& writer,
                           const auth::password_hasher& hasher);
};

}  // namespace coplan::unit
