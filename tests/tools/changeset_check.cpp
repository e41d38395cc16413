// coplan-changeset-check: reads cases written by tests/web/changeset-diff.test.ts (change sets and
// the results @codemirror/state computed for them) and checks that Coplan's C++ change_set gives
// exactly the same JSON for map (both tie orders), compose and mapPos. Prints a count; exits 1 on
// the first mismatch, showing it.
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "text/change_set.hpp"
#include "unit/unit_doc.hpp"

using coplan::text::change_set;
using nlohmann::json;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: coplan-changeset-check cases.jsonl\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::string line;
  std::size_t n = 0;
  auto parse = [](const json& j) { return change_set::from_json(j, 1 << 30, 1 << 30); };
  while (std::getline(in, line)) {
    auto c = json::parse(line);
    if (c.contains("rebase")) {
      // {"rebase": {"updates": [{clientID, changes}], "over": [{clientID, changes}]}, "expect": [changes…]}
      std::vector<coplan::unit::incoming_update> ups;
      for (const auto& u : c["rebase"]["updates"]) ups.push_back({u["clientID"], 0, parse(u["changes"]), ""});
      std::vector<std::shared_ptr<const coplan::unit::text_update>> over;
      for (const auto& u : c["rebase"]["over"]) {
        auto tu = std::make_shared<coplan::unit::text_update>();
        tu->client_id = u["clientID"];
        tu->changes = parse(u["changes"]);
        over.push_back(tu);
      }
      coplan::unit::unit_doc::rebase(ups, over);
      json got = json::array();
      for (const auto& u : ups) got.push_back(u.changes.to_json());
      if (got != c["expect"]) {
        std::cerr << "mismatch in rebase at case " << n << ":\n  case: " << line << "\n  got:  " << got.dump() << "\n";
        return 1;
      }
      ++n;
      continue;
    }
    auto a = parse(c["a"]), b = parse(c["b"]), third = parse(c["c"]);
    json got{{"map", a.map(b).to_json()}, {"mapBefore", a.map(b, true).to_json()}, {"compose", a.compose(third).to_json()}};
    auto positions = json::array();
    for (const auto& p : c["mapPos"])
      positions.push_back({p[0], p[1], a.map_pos(p[0].get<std::int64_t>(), p[1].get<int>())});
    got["mapPos"] = positions;
    for (const char* k : {"map", "mapBefore", "compose", "mapPos"})
      if (got[k] != c["expect"][k]) {
        std::cerr << "mismatch in " << k << " at case " << n << ":\n  case: " << line << "\n  got:  " << got[k].dump() << "\n";
        return 1;
      }
    ++n;
  }
  std::cout << "checked " << n << " cases: map, map(before), compose, mapPos and late-push rebases identical to @codemirror/state\n";
  return n ? 0 : 1;
}
