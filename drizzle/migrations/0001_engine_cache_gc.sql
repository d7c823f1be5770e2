ALTER TABLE `run_steps` ADD `signature` text;--> statement-breakpoint
ALTER TABLE `run_steps` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `step_cache` ADD `size_bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `step_cache` ADD `last_used_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `step_cache_used_idx` ON `step_cache` (`last_used_at`);