// reflection_prompts: chooses a member's reflection prompts — the chosen protocol's, then those
// the prompt bank ties to conditions on this unit's record — with the unit's own values filled in;
// and suggests the facet of collaboration (Montiel-Overall) the record points to, with reasons.
// Pure: the prompt bank, a contribution report and the unit in; JSON out.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "unit/unit_doc.hpp"

namespace coplan::review {

class reflection_prompts {
public:
  // [{"id","text","action","source":"protocol"|"record"}]. Throws coded_error("unknown_protocol").
  static nlohmann::json choose(const nlohmann::json& bank, const std::string& protocol, const nlohmann::json& report,
                               const unit::unit_doc& doc, std::uint32_t viewer, const std::string& lesson_title = "");
  // {"facet","label","reasons":[...],"figures":{...}}. `integrated_before`: earlier units of the
  // partnership whose partners agreed on integrated instruction or more.
  static nlohmann::json suggest_facet(const nlohmann::json& bank, const nlohmann::json& report, int integrated_before);
};

}  // namespace coplan::review
