"""The extractor's syntax, on sentences written here, with the small fixture lexicon."""

import pytest
from conftest import code_text, triples


def coded(syntax_coder, text, date="2009-03-04"):
    return triples(code_text(syntax_coder, text, date))


def test_simple_active(syntax_coder):
    assert coded(syntax_coder, "Russia praised China on Monday.") == {("RUS", "CHN", "051")}


def test_passive_with_by_agent(syntax_coder):
    assert coded(syntax_coder, "China was praised by Russia on Monday.") == {("RUS", "CHN", "051")}


def test_passive_object_noun(syntax_coder):
    got = coded(syntax_coder, "New sanctions were imposed on Iran by the European Union.")
    assert got == {("IGOEUREEC", "IRN", "163")}


def test_coordinated_sources_and_targets(syntax_coder):
    got = coded(syntax_coder, "France and Germany praised Japan and India.")
    assert got == {(s, t, "051") for s in ("FRA", "DEU") for t in ("JPN", "IND")}


def test_coordinated_predicates_share_subject(syntax_coder):
    got = coded(syntax_coder, "Russia praised China and accused Japan of spying.")
    assert got == {("RUS", "CHN", "051"), ("RUS", "JPN", "112")}


def test_appositive_and_possessive_actors(syntax_coder):
    got = coded(syntax_coder, "Russia's foreign minister praised the Iraqi government.")
    assert got == {("RUSGOV", "IRQGOV", "051")}
    got = coded(syntax_coder, "The Russian President, Dmitry Medvedev, praised Spain.")
    assert got == {("RUSGOV", "ESP", "051")}


def test_relative_clause_subject(syntax_coder):
    got = coded(syntax_coder, "Putin, who held talks with Rice on Monday, praised Germany.", "2008-03-18")
    assert ("RUSGOV", "USAGOV", "046") in got and ("RUSGOV", "DEU", "051") in got


def test_control_verb_takes_intent_code(syntax_coder):
    got = coded(syntax_coder, "Japan agreed to send humanitarian aid to Haiti.")
    assert got == {("JPN", "HTI", "0333")}


def test_future_and_readiness_take_intent_codes(syntax_coder):
    assert coded(syntax_coder, "The Chinese president will meet Vladimir Putin next week.") == {
        ("CHNGOV", "RUSGOV", "036")
    }
    assert coded(syntax_coder, "Syria is ready to sign a deal with Israel.") == {("SYR", "ISR", "0311")}
    assert coded(syntax_coder, "India plans to visit Nepal.") == {("IND", "NPL", "036")}


def test_intent_without_intent_code_is_not_the_act(syntax_coder):
    # a conflictual act announced for the future is a threat (PLOVER: ASSAULT + future is THREATEN) ...
    assert coded(syntax_coder, "Israel will attack Iran.") == {("ISR", "IRN", "138")}
    assert coded(syntax_coder, "The EU plans to impose sanctions on Iran.") == {("IGOEUREEC", "IRN", "1312")}
    # ... and an act with neither an intent nor a threat code is no event yet
    assert coded(syntax_coder, "The United States will cut ties with Iran.") == set()
    assert coded(syntax_coder, "The United States will pull out troops from Syria.") == set()


def test_announced_investigation_is_the_investigation(coder):
    # verbal acts listed in modality.yaml `announced_acts` keep their own code when stated as intent
    got = coded(coder, "The United Nations will investigate the killings in Darfur.")
    assert {(s, c[:2]) for s, _, c in got} == {("IGOUNO", "09")}


def test_passive_raising_and_agentless_passive_clauses(syntax_coder):
    # "were reported to have attacked": the raised subject acts
    assert coded(syntax_coder, "Israeli troops were reported to have attacked Lebanon.") == {("ISRMIL", "LBN", "190")}
    # an agentless passive clause does not borrow the main clause's subject
    got = coded(syntax_coder, "Egypt praised Jordan after Lebanon was attacked.")
    assert got == {("EGY", "JOR", "051")}


def test_gerund_after_a_light_noun_is_the_verbs_complement(syntax_coder):
    # the prisoners are civilians, of the story's country
    assert coded(syntax_coder, "Iran began the process of releasing the prisoners.") == {("IRN", "IRNCVL", "0841")}
    # the governing verb's future makes the act an intent
    assert coded(syntax_coder, "Iran will begin releasing the prisoners.") == {("IRN", "IRNCVL", "0353")}
    got = coded(syntax_coder, "Iran will start the process of releasing the prisoners.")
    assert got == {("IRN", "IRNCVL", "0353")}


def test_root_tagged_as_a_noun_with_subject_and_object_is_a_verb(coder):
    # headline style: the tagger calls "decry" a noun
    got = coded(coder, "Activists in Khartoum decry new government policy")
    assert ("SDNOPP", "SDNGOV", "111") in got


def test_threat_takes_threat_code(syntax_coder):
    got = coded(syntax_coder, "The United States threatened to impose sanctions on Iran.")
    assert got == {("USA", "IRN", "1312")}


def test_negation_is_not_coded(syntax_coder):
    assert coded(syntax_coder, "Russia did not praise China.") == set()
    assert coded(syntax_coder, "Russia never signed the treaty with China.") == set()
    assert coded(syntax_coder, "Iran did not refuse to sign a deal with Iraq.") == set()


def test_refusals_take_reject_codes(syntax_coder):
    assert coded(syntax_coder, "Iran refused to sign a deal with Iraq.") == {("IRN", "IRQ", "127")}
    assert coded(syntax_coder, "Russia will not meet Ukraine.") == {("RUS", "UKR", "125")}
    assert coded(syntax_coder, "Russia refused to attack Ukraine.") == set()
    assert coded(syntax_coder, "Iran failed to sign a deal with Iraq.") == {("IRN", "IRQ", "127")}


def test_a_decision_reports_the_act(syntax_coder):
    assert coded(syntax_coder, "Japan decided to send aid to Haiti.") == {("JPN", "HTI", "073")}


def test_conditional_and_hypothetical_are_not_coded(syntax_coder):
    assert coded(syntax_coder, "If Moscow praised Beijing, the talks could go ahead.") == set()
    assert coded(syntax_coder, "Russia could praise Ukraine.") == set()
    assert coded(syntax_coder, "Russia may have attacked Ukraine.") == set()  # a guess about the past
    assert coded(syntax_coder, "NATO is considering imposing sanctions on Belarus.") == set()


def test_possible_conflictual_act_is_a_threat(syntax_coder):
    # PLOVER: a possible assault is THREATEN; the entry's threat code
    assert coded(syntax_coder, "Russia could attack Ukraine.") == {("RUS", "UKR", "138")}
    assert coded(syntax_coder, "The EU may impose sanctions on Iran.") == {("IGOEUREEC", "IRN", "1312")}
    assert coded(syntax_coder, "Iran raised the possibility of imposing sanctions on Iraq.") == {("IRN", "IRQ", "1312")}


def test_questions_are_not_coded(syntax_coder):
    assert coded(syntax_coder, "Will Russia attack Ukraine?") == set()
    assert coded(syntax_coder, "Did France praise Italy?") == set()


def test_reported_speech_attributes_the_inner_event(syntax_coder):
    got = coded(syntax_coder, "Rice said that Iran had attacked Iraq.")
    assert ("IRN", "IRQ", "190") in got
    assert not any(s == "USAGOV" and c == "190" for s, _, c in got)


def test_participles_and_nouns_with_owners(syntax_coder):
    got = coded(syntax_coder, "Iranian troops attacked by Iraqi jets retreated.")
    assert ("IRQMIL", "IRNMIL", "190") in got
    got = coded(syntax_coder, "Netanyahu praised Trump's decision to visit Jordan.", "2018-05-01")
    assert ("USAGOV", "JOR", "042") in got and ("ISRGOV", "USAGOV", "051") in got


def test_reported_speech_pronoun_is_the_speaker(syntax_coder):
    assert ("RUS", "POL", "190") in coded(syntax_coder, "Russia said it had attacked Poland.")
    assert ("RUS", "CHN", "127") in coded(syntax_coder, "Russia said it would not sign a deal with China.")


def test_accuse_of_does_not_make_the_accuser_attack(syntax_coder):
    got = coded(syntax_coder, "Pakistan accused India of attacking its border posts.")
    assert ("PAK", "IND", "112") in got
    assert not any(c == "190" and s == "PAK" for s, _, c in got)


def test_several_events_per_sentence(syntax_coder):
    got = coded(syntax_coder, "Egypt praised Jordan, and Israel attacked Lebanon.")
    assert got == {("EGY", "JOR", "051"), ("ISR", "LBN", "190")}


def test_single_actor_event(syntax_coder):
    assert coded(syntax_coder, "Iranian students protested.") == {("IRNEDU", None, "141")}
    # a place named in the predicate's phrase is its target, as in TABARI and PETRARCH (Tehran is IRN)
    assert coded(syntax_coder, "Iranian students protested in Tehran.") == {("IRNEDU", "IRN", "141")}
    # and the story's country stays with an actor that acts in a place of that country
    assert coded(syntax_coder, "Opposition supporters protested in Caracas.") == {("VENOPP", "VEN", "141")}


def test_recipient_the_type_needs_but_the_sentence_omits(syntax_coder):
    """SANCTION needs a recipient in PLOVER; "imposed new sanctions" names none: the event stays, target null,
    with less confidence than the same act with its recipient named."""
    (alone,) = code_text(syntax_coder, "The European Union imposed new sanctions.").events
    (named,) = code_text(syntax_coder, "The European Union imposed new sanctions on Iran.").events
    assert (alone.source.code, alone.target, alone.cameo) == ("IGOEUREEC", None, "163")
    assert named.target is not None and named.target.code == "IRN"
    assert alone.confidence < named.confidence


def test_phrasal_particle_required(syntax_coder):
    got = coded(syntax_coder, "The United States pulled out its troops from Syria.")
    assert got == {("USA", "SYR", "0874")}


def test_nominal_events(syntax_coder):
    assert ("ISR", "LBN", "190") in coded(syntax_coder, "An attack by Israel on Lebanon killed ten people.")
    got = coded(syntax_coder, "Talks between Armenia and Azerbaijan resumed.")
    assert got == {("ARM", "AZE", "046"), ("AZE", "ARM", "046")}


def test_nominal_event_source_from_a_nationality_or_organisation_in_front(syntax_coder):
    assert coded(syntax_coder, "Israeli attacks on Lebanon continued.") == {("ISR", "LBN", "190")}
    assert coded(syntax_coder, "NATO attacks on Libya continued.") == {("IGOWSTNAT", "LBY", "190")}
    assert coded(syntax_coder, "The Beirut attacks continued.") == set()  # a place says where, not who
    assert coded(syntax_coder, "Army attacks on Lebanon continued.") == {("MIL", "LBN", "190")}  # a role


def test_nominal_event_with_possessive_pronoun_takes_the_verbs_subject(syntax_coder):
    assert coded(syntax_coder, "Israel began its attack on Lebanon.") == {("ISR", "LBN", "190")}


def test_declined_to_comment_is_decline_comment(syntax_coder):
    assert coded(syntax_coder, "Russia declined to say.") == {("RUS", None, "011")}


def test_nominal_event_with_objects_and_what_a_statement_announces(syntax_coder):
    got = coded(syntax_coder, "Denmark announced a suspension of aid to Egypt.")
    assert got == {("DNK", "EGY", "010"), ("DNK", "EGY", "1621")}
    assert coded(syntax_coder, "Denmark announced a suspension of flights to Egypt.") == {("DNK", "EGY", "010")}
    assert coded(syntax_coder, "Denmark announced a suspension of flights.") == {("DNK", None, "010")}


def test_target_is_owner_of_a_thing(syntax_coder):
    got = coded(
        syntax_coder,
        "Russian President Vladimir Putin endorsed a proposal from President Bush.",
        "2008-04-07",
    )
    assert got == {("RUSGOV", "USAGOV", "051")}


def test_target_hangs_off_a_participle_of_the_object(syntax_coder):
    got = coded(syntax_coder, "The European Union imposed sanctions approved on Monday against Iran.")
    assert got == {("IGOEUREEC", "IRN", "163")}


def test_named_object_described_by_an_object_noun(syntax_coder):
    assert coded(syntax_coder, "Iran released American journalist Jason Rezaian.") == {("IRN", "USAMED", "0841")}
    assert coded(syntax_coder, "Iran released Jason Rezaian, an American journalist.") == {("IRN", "USAMED", "0841")}
    assert coded(syntax_coder, "Iran released Jason Rezaian.") == set()  # nothing says what was released


def test_actor_objects(syntax_coder):
    """`@actor` in an entry's objects: any object that names people or a body, never a thing."""
    assert coded(syntax_coder, "Iran expelled a Cuban physician.") == {("IRN", "CUBHLH", "174")}
    assert coded(syntax_coder, "Iran expelled Jason Rezaian.") == {("IRN", None, "174")}  # named, not resolved
    assert coded(syntax_coder, "Iran deported three of the French journalists.") == {("IRN", "FRAMED", "174")}
    assert coded(syntax_coder, "Iran expelled the report.") == set()


def test_alone_code_when_no_recipient_is_named(syntax_coder):
    assert coded(syntax_coder, "Iran held military drills in the Gulf.") == {("IRN", None, "150")}
    assert coded(syntax_coder, "Iran held military drills with Russia.") == {("IRN", "RUS", "062")}
    assert coded(syntax_coder, "Iran and Russia held military drills.") == {("IRN", "RUS", "062"), ("RUS", "IRN", "062")}


def test_targets_after_conjoined_objects_and_owners_named_in_front(syntax_coder):
    got = coded(syntax_coder, "Japan sent aid and a team of doctors to Haiti.")
    assert got == {("JPN", "HTI", "073")}
    assert coded(syntax_coder, "Israel attacked a Hamas tunnel.") == {("ISR", "PSEREBHAM", "190")}


def test_a_place_in_the_actors_own_country_is_where_not_whom(coder):
    assert coded(coder, "Thailand imposed a curfew in Bangkok.") == {("THA", None, "1723")}
    assert coded(coder, "Israel imposed a curfew in Hebron.") == {("ISR", "PSE", "1723")}
    # a state's agency acting on a place of its own country acts on the country ("Bangkok" is THA, not THAGOV)
    assert coded(coder, "Thai police imposed a curfew in Bangkok.") == {("THACOP", "THA", "1723")}


def test_target_from_the_predicates_phrase_when_no_slot_names_one(coder):
    """TABARI's and PETRARCH's rule: no slot names the target, the first actor in the verb's phrase is it."""
    # inside the complement of the act
    assert coded(coder, "Japan was considering sending aid to North Korea.") == {("JPN", "PRK", "014")}
    assert ("ISR", "PSE", "154") in coded(coder, "Israel mobilized the army for a ground assault against Gaza.")
    # the object of the controlling verb
    got = coded(coder, "The Afghan president ordered Pakistani newspapers to suspend publication.")
    assert ("AFGGOV", "PAKMED", "160") in got
    # what the act moves is no target ("200 troops"), nor is the source's own country ("Turkey's incursion")
    assert ("USAMIL", "SYR", "154") in coded(coder, "The US military sent 450 more soldiers in Syria.")
    got = coded(coder, "President Erdogan agreed to a truce halting Turkey's offensive into Syria.")
    assert {t for _, t, _ in got} == {"SYR"}
    # people and bodies acted on are targets; things are not, nor what aid and force posture move
    assert coded(coder, "The Vietnamese authorities have outlawed opposition parties.") == {("VNMGOV", "VNMOPP", "1722")}
    # a statement is about the actor of the clause it reports
    assert ("HRV", "HRVGOV", "013") in coded(coder, "Croatian experts expressed hope the Croatian government will act.")
    # whom a state expels is foreign: the story's country is no guess for them when it is the source's own
    assert ("RUS", "GOV", "161") in coded(coder, "Russia said it had expelled diplomats.")
    # an act's purpose is its phrase; the purpose shares the act's modality
    assert coded(coder, "Germany earmarked 1.5 million euros in emergency aid to help Haiti cope.") == {
        ("DEU", "HTI", "070")
    }
    assert {c for _, _, c in coded(coder, "Seoul is considering sending aid to help the North Korean people cope.")} == {"014"}
    assert ("FRA", "SAU", "090") in coded(coder, "France has sent experts to Saudi Arabia to investigate the attacks.")
    # two IGO bodies are not one country
    got = coded(coder, "The UN peacekeeping chief expressed concern to the U.N. Security Council.")
    assert ("IGOUNOPKO", "IGOUNOUSC", "012") in got
    # other predications are not the phrase: a reported clause, an adverbial clause
    assert coded(coder, "Egypt expressed concern after Israel attacked Lebanon.") >= {("EGY", None, "012")}
    # the fallback is marked, so that confidence can weigh it
    (ev,) = code_text(coder, "Japan was considering sending aid to North Korea.").events
    assert ev.extra["features"]["target_from_phrase"] == 1.0


def test_agentless_passive_with_an_implied_agent(syntax_coder):
    # only a state imposes a curfew (`implied: GOV`): the state of the place named, with less confidence
    (ev,) = code_text(syntax_coder, "A curfew was imposed in Kashmir on Monday.").events
    assert (ev.source.code, ev.target and ev.target.code, ev.cameo, ev.source.text) == ("INDGOV", "IND", "1723", "")
    # the same event with its agent named is surer (the same target: "India imposed ... in Kashmir" has none)
    (named,) = code_text(syntax_coder, "The Indian government imposed a curfew in Kashmir on Monday.").events
    assert (named.source.code, named.target and named.target.code) == ("INDGOV", "IND")
    assert ev.confidence < named.confidence
    assert coded(syntax_coder, "A curfew was imposed by the army in Kashmir.") == {("INDMIL", None, "1723")}
    assert coded(syntax_coder, "The prisoners were released in Kashmir.") == set()  # no agent implied
    # an ownerless event noun: protests are made by protesters of the place
    assert coded(syntax_coder, "Protests erupted in Minsk on Sunday.") == {("BLROPP", None, "141")}
    assert coded(syntax_coder, "Protests by students erupted in Minsk.") == {("BLREDU", None, "141")}  # named


def test_self_events_are_dropped(syntax_coder):
    assert coded(syntax_coder, "Russia praised Russia.") == set()


def test_event_fields_and_evidence(syntax_coder):
    r = code_text(
        syntax_coder, "Headline here\n\nMOSCOW - Russia praised China on Monday. Iran attacked Iraq."
    )
    first, second = r.events
    assert first.cameo == "051" and first.cameo_root == "05" and first.quad_class == 1
    assert first.goldstein == pytest.approx(3.4) and first.plover_type == "SUPPORT"
    assert (
        second.quad_class == 4
        and second.plover_type == "ASSAULT"
        and second.goldstein == pytest.approx(-10.0)
    )
    text = r.document.text
    for ev in r.events:
        assert text[ev.evidence_start : ev.evidence_end] == ev.evidence_text
        assert text[ev.source.start : ev.source.end] == ev.source.text
        assert 0 < ev.confidence < 1 and ev.rule.startswith("lexicon.yaml#")
    assert (first.date, first.date_how) == ("2009-03-02", "relative")  # "on Monday", written on Wednesday
    assert (second.date, second.date_how) == ("2009-03-04", "document")
    assert first.location.country == "RUS" and first.location.how == "dateline"
    assert second.sentence_index == 1 and r.sentences[1].text.startswith("Iran attacked")


def test_event_place_from_its_clause(syntax_coder):
    r = code_text(syntax_coder, "Medvedev praised Spain at a news conference in Madrid on Tuesday.")
    (ev,) = r.events
    assert (ev.location.name, ev.location.country) == ("Madrid", "ESP") and ev.location.how == "clause"
    assert ev.date == "2009-03-03"
    # two travellers of one code are two events, each with its own evidence
    rice, gates = code_text(syntax_coder, "Rice and Gates traveled to Moscow in October.", date="2008-03-18").events
    assert (rice.source.text, gates.source.text) == ("Rice", "Gates")
    for ev in (rice, gates):
        assert ev.location.country == "RUS" and ev.target.code == "RUSGOV" and ev.date == "2007-10-01"


def test_paragraphs_never_run_together(syntax_coder):
    r = code_text(syntax_coder, "Russia praised China\n\nIran attacked Iraq")
    assert len(r.sentences) == 2


def test_weapon_subject_gives_its_user_as_source(coder):
    got = coded(coder, "Shells fired by the Israeli military struck a fuel depot of the Syrian army.")
    assert ("ISRMIL", "SYR", "190") in got


def test_document_speaks_for_who_issued_it(coder):
    assert ("NGOHRIAMN", "KENCOP", "1122") in coded(
        coder, "Amnesty International put out a study accusing the Kenyan police of torture."
    )
    assert ("USA", "CHN", "020") in coded(coder, "A U.S. congressional report on Monday called for sanctions against China.")


def test_responsible_for_an_event_noun_is_its_source(coder):
    assert ("FRA", "FRACVL", "190") in coded(coder, "France was responsible for the killing of 17 civilians in the raid.")
    # civilians in front of an event noun are not its agents
    assert not any(s == "CVL" for s, _, _ in coded(coder, "The LRA is responsible for child abductions."))


def test_actors_sharing_a_code_are_separate_events(coder):
    got = code_text(coder, "The White House and the State Department declined to comment on the leak.").events
    assert sorted(e.source.text for e in got) == ["The White House", "the State Department"]
    assert {e.cameo for e in got} == {"011"}


def test_let_free_and_returning_things(coder):
    assert ("YEM", "YEMOPP", "0841") in coded(coder, "Yemen let free activists.")
    assert ("USAGOV", "COD", "0842") in coded(coder, "American authorities returned the smuggled chimpanzees to Congo.")
    assert coded(coder, "Israel returned fire.") == set()  # fire is no property


def test_torture_implies_state_agents(coder):
    (ev,) = code_text(coder, "Political prisoners were tortured in a prison in Iran.").events
    assert (ev.source.code, ev.cameo, ev.source.text) == ("IRNGOV", "1822", "")


def test_a_known_name_inside_another_persons_name_is_not_that_person(coder):
    got = coded(coder, "Gul Rahman died after being tortured in a secret CIA jail in Afghanistan.")
    assert all(t != "TURGOV" for _, t, _ in got)
    assert ("RUSGOV", "TURGOV", "040") in coded(coder, "Putin met Abdullah Gul.")


def test_two_word_objects_are_more_specific_than_their_head(coder):
    """PLOVER codes cyber attacks and disinformation as COERCE (modes cyber, misinformation)."""
    (ev,) = code_text(coder, "Chinese hackers have launched cyber attacks on the power grid of India.").events
    assert (ev.cameo, ev.plover_type, ev.plover_mode) == ("170", "COERCE", "cyber")
    assert ("RUS", "UKR", "190") in coded(coder, "Russia launched an attack on Ukraine.")
    (ev,) = code_text(coder, "Russia used a disinformation campaign against Ukraine.").events
    assert (ev.plover_type, ev.plover_mode) == ("COERCE", "misinformation")


def test_a_headline_bare_participle_is_a_passive(coder):
    from polybius.models import Document

    title = "Social Media Platforms Suspended in Jamaica Following Unrest"
    text = f"{title}\n\nThe measure was announced on Monday by officials in Kingston."
    doc = Document(id="h", text=text, source="t", kind="text", title_end=len(title))
    (result,) = coder.code([doc])
    headline = [e for e in result.events if e.sentence_index == 0]
    assert [(e.source.code, e.cameo, e.source.text) for e in headline] == [("JAMGOV", "1721", "")]
    # in body text the same shape keeps its active reading
    assert ("USA", "CHN", "020") in coded(coder, "A U.S. congressional report on Monday called for sanctions against China.")


def test_headline_comma_lists_are_coordinated_subjects(coder):
    from polybius.models import Document

    title = "Benin, Madagascar, Hold Joint Military Drills"
    doc = Document(id="h", text=f"{title}\n\nThe drills began on Monday.", source="t", kind="text", title_end=len(title))
    (result,) = coder.code([doc])
    assert {(e.source.code, e.target.code if e.target else None, e.cameo) for e in result.events} >= {
        ("BEN", "MDG", "062"),
        ("MDG", "BEN", "062"),
    }


def test_faith_communities_take_cameo_religion_codes(coder):
    assert ("IMGINSISL", "CHR", "0841") in coded(coder, "The Islamic State group freed at least 12 Christians on Tuesday.")
    assert ("FRAGOV", "FRAREL", "139") in coded(coder, "French President Emmanuel Macron issued an ultimatum to Muslim leaders.")



def test_an_act_asked_for_is_the_speakers_request_not_the_act(coder):
    """Issue 12: obligation and demand put the act in the speaker's mouth; the embedded subject is the target."""
    assert coded(coder, "Poland demanded that Belarus release the detained journalists.") >= {("POL", "BLR", "1053")}
    got = coded(coder, "The opposition insisted that the government withdraw the bill.")
    assert {c for _, _, c in got} == {"1042"}  # the withdrawal was asked for, not done
    assert coded(coder, "Canada called on Iran to release the two students.") == {("CAN", "IRN", "0253")}
    got = coded(coder, "The minister said Israel should withdraw its forces from Lebanon.")
    assert ("GOV", "ISR", "0256") in got and not any(c.startswith("08") for _, _, c in got)
    got = coded(coder, "Britain said Argentina has to pay compensation to the fishermen.")
    assert ("GBR", "ARG", "1031") in got and not any(c.startswith("07") for _, _, c in got)
    assert ("DEU", "RUS", "0253") in coded(coder, "Germany said Russia ought to release the activists.")
    # no one named asks: nothing was done, and no request is coded
    assert coded(coder, "Turkey must return the helicopter to Greece.") == set()
    (ev,) = code_text(coder, "Canada called on Iran to release the two students.").events
    assert ev.rule.endswith("request:call to") and ev.plover_type == "REQUEST"


def test_acts_outrank_the_statements_that_report_them(coder):
    events = code_text(coder, "The foreign ministry said government troops shelled rebel positions near Homs.").events
    top = max(events, key=lambda e: e.confidence)
    assert top.cameo_root == "19"
    said = [e for e in events if e.cameo_root == "01"]
    assert said and all(e.extra["features"]["reports_act"] == 1.0 and e.confidence < top.confidence for e in said)
    # a statement that reports no coded act stays
    assert coded(coder, "Egypt said the talks were useful.") == {("EGY", None, "010")}


def test_event_noun_agent_is_its_own_not_the_observing_subject(coder):
    # a verb that reports, judges or answers an act does not lend its subject as the act's agent
    got = coded(coder, "Officials in Warsaw confirmed the Belarusian incursion into Lithuania.")
    assert ("BLR", "LTU", "192") in got
    assert not any(c.startswith("19") and s.startswith("POL") for s, _, c in got)
    # a nationality in front of the noun is its agent even when the verb's subject is someone else
    got = coded(coder, "Lithuania repelled the Belarusian incursion across its border.")
    assert not any(c == "192" and s.startswith("LTU") for s, _, c in got)
    # a light verb still lends its subject when the noun names no agent of its own
    got = coded(coder, "Rebels mounted a military offensive against the Chadian government.")
    assert ("TCDREB", "TCDGOV", "190") in got


def test_agentless_passive_of_expulsion_takes_the_place_left_as_the_agent(coder):
    assert ("MLI", "FRAGOV", "161") in coded(coder, "Two French envoys were expelled from Mali last week.")
    assert ("ETH", "KENDEV", "174") in coded(coder, "Several Kenyan aid workers were deported from Ethiopia.")
    # the active voice keeps "from" as the place, not the agent
    got = coded(coder, "Lithuania expelled two diplomats from the Belarusian embassy.")
    assert any(s == "LTU" and t.startswith("BLR") and c == "161" for s, t, c in got)


def test_the_sources_own_things_are_no_recipient_when_another_country_is_named(coder):
    got = coded(coder, "France recalled its ambassador from Rome.")
    assert any(s == "FRA" and t.startswith("ITA") for s, t, _ in got)
    # a domestic act keeps its own country's target
    assert ("NGACOP", "NGAOPP", "173") in coded(coder, "Nigerian police arrested two opposition leaders in Lagos.")


def test_a_reported_obligation_of_an_uncoded_act_is_the_speakers_demand_or_appeal(coder):
    # "X said Y must ..." is CAMEO's demand (100) whatever Y is asked to do; "should" is an appeal (020)
    got = coded(coder, "Poland said Belarus must stop sending migrants to the border.")
    assert ("POL", "BLR", "100") in got and not any(c == "010" for _, _, c in got)
    assert ("DEU", "HUN", "020") in coded(coder, "Germany said Hungary should respect the rule of law.")
    # the speaker's own obligation is a statement, not a demand to anyone
    assert not any(c in ("100", "020") for _, _, c in coded(coder, "The company said it must cut costs."))
