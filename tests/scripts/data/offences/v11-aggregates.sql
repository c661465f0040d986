-- Turns a v12 store back into what zhijian wrote before v12 (report_offences.sh):
-- the aggregates without the offence columns, agg_calls.forbidden and
-- agg_rules.clean_calls counting every forbidden hit, as v7 to v11 built them.
ALTER TABLE agg_rules DROP COLUMN offences;
ALTER TABLE agg_rules DROP COLUMN offence_calls;
DELETE FROM agg_calls;
DELETE FROM agg_rules;
INSERT INTO agg_calls (ruleset_id, local_date, iso_week, agent_id, agent_name, team, grade, tags,
  score, passed, fatal, forbidden, calls)
SELECT ruleset_id, local_date, iso_week, agent_id, agent_name, team, grade, tags, score, passed,
  fatal, forbidden, count(*) FROM (SELECT c.*, (SELECT group_concat(rule_id, ',') FROM
  (SELECT DISTINCT t.rule_id FROM findings t WHERE t.call_row = c.id AND t.kind = 'tag'
  AND t.outcome = 'hit' ORDER BY t.rule_id) AS t) AS tags, CASE WHEN EXISTS (SELECT 1
  FROM findings x WHERE x.call_row = c.id AND x.kind = 'forbidden' AND x.outcome = 'hit')
  THEN 1 ELSE 0 END AS forbidden FROM calls c) AS c GROUP BY ruleset_id, local_date, iso_week,
  agent_id, agent_name, team, grade, tags, score, passed, fatal, forbidden;
INSERT INTO agg_rules (ruleset_id, local_date, agent_id, agent_name, team, rule_id, kind, outcome,
  severity, clause, findings, calls, neg, neg_calls, neg_points, points, fatal, quoted, fuzzy,
  clean_calls, example)
SELECT c.ruleset_id, c.local_date, c.agent_id, c.agent_name, c.team, f.rule_id, f.kind,
  f.outcome, f.severity, f.clause, count(*), count(DISTINCT f.call_row),
  sum(CASE WHEN f.points < 0 THEN 1 ELSE 0 END),
  count(DISTINCT CASE WHEN f.points < 0 THEN f.call_row END),
  sum(CASE WHEN f.points < 0 THEN f.points ELSE 0 END), sum(f.points), sum(f.fatal),
  sum(f.quoted), sum(f.fuzzy),
  count(DISTINCT CASE WHEN c.passed = 1 AND x.call_row IS NULL THEN f.call_row END),
  min(CASE WHEN f.points < 0 AND f.text IS NOT NULL THEN c.call_id || ' ' || f.text END)
  FROM findings f JOIN calls c ON c.id = f.call_row LEFT JOIN (SELECT DISTINCT call_row
  FROM findings WHERE kind = 'forbidden' AND outcome = 'hit') x ON x.call_row = f.call_row
  GROUP BY c.ruleset_id, c.local_date, c.agent_id, c.agent_name, c.team, f.rule_id, f.kind,
  f.outcome, f.severity, f.clause;

