-- Pond schema version 7: the two indexes a whole-tree read scans hold what
-- it reads, so that `pond list` (every entry row, in `log_by_name` order;
-- every content row, in `log_by_node` order) never leaves them for the
-- table: at 100,000 files that is 100,000 seeks fewer per scan.
--
-- An index holds no data of its own: dropping and making one again changes
-- nothing that any version of the pond says. `seq` is named so that rows of
-- one name, or one node, within one version stay in log order.

DROP INDEX log_by_name;
CREATE INDEX log_by_name ON log(part_id, name, version, seq, node_id, kind, payload) WHERE name IS NOT NULL;

DROP INDEX log_by_node;
CREATE INDEX log_by_node ON log(node_id, version, seq, kind, size);
