-- PostgreSQL twin of ../0013_checkpoint_globals.sql.
-- The global knowledge entries a checkpoint guards: those an AI changed during the burst the checkpoint was taken
-- before (JSON array of ids). The checkpoint's tree holds each one as it was before the burst; an id it does not
-- hold was created by the burst. A restore, a diff with now and an undo take them with the project.
ALTER TABLE checkpoints ADD COLUMN globals TEXT COLLATE "C" NOT NULL DEFAULT '[]';
