CREATE TABLE `deployment_names` (
	`name` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`graph_id` text,
	`live_version` integer,
	`pinned` integer DEFAULT false NOT NULL,
	`undeployed_at` integer,
	`undeploy_reason` text
);
--> statement-breakpoint
ALTER TABLE `deployments` ADD `model_key` text;--> statement-breakpoint
ALTER TABLE `deployments` ADD `input_columns` text;--> statement-breakpoint
ALTER TABLE `deployments` ADD `created_by` text;--> statement-breakpoint
INSERT INTO `deployment_names` (`name`, `workspace_id`, `graph_id`, `live_version`)
SELECT d.`name`, d.`workspace_id`, d.`graph_id`, d.`version` FROM `deployments` d
WHERE d.`version` = (SELECT max(`version`) FROM `deployments` WHERE `name` = d.`name`);
