// contribution_report: who contributed what to a unit, computed from a replay of its op log from
// the start up to some moment (history_replay) and the unit as it was then, symmetric for every
// member: per phase and section, what each typed, what of it survives (text of removed blocks does
// not), how often each revised the other's text; which lesson
// segments each led or supported and which co-teaching approaches were used; which areas of
// expertise each brought and which each acknowledged learning. Pure: replay in, JSON out.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "review/history_replay.hpp"
#include "unit/unit_authority.hpp"

namespace coplan::review {

class contribution_report {
public:
  static nlohmann::json compute(const history_replay& replay, const std::vector<unit::member_info>& members,
                                const nlohmann::json& expertise_list);
  // The phase and section a text stream belongs to, from the template: {"phase","section","label"}.
  static nlohmann::json place_of(const unit::unit_doc& doc, const std::string& stream);
};

}  // namespace coplan::review
