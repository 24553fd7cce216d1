-- A store made by aggregator 0.1.0, the last release before migrations: written by tests/data/make_store_0_1_0.py, loaded by tests/test_migrations.py.
BEGIN TRANSACTION;
CREATE TABLE aliases (
	url VARCHAR(2048) NOT NULL, 
	issue_number INTEGER NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	PRIMARY KEY (url)
);
INSERT INTO "aliases" VALUES('https://aiweekly.co/issues/412',412,'numeric');
INSERT INTO "aliases" VALUES('https://aiweekly.co/issues/412-agents-everywhere',412,'canonical');
INSERT INTO "aliases" VALUES('https://aiweekly.co/issues/412-old-slug',412,'redirect');
CREATE TABLE features (
	url VARCHAR(2048) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (url)
);
INSERT INTO "features" VALUES('https://aiweekly.co/issues/412-agents-everywhere','issue','0000000000000000000000000000000000000000000000000000000000000000',3,'{"number": 412}');
CREATE TABLE issues (
	number INTEGER NOT NULL, 
	url VARCHAR(2048) NOT NULL, 
	numeric_url VARCHAR(2048) NOT NULL, 
	title TEXT NOT NULL, 
	week_start DATE, 
	week_end DATE, 
	published DATETIME, 
	intro TEXT NOT NULL, 
	takeaways JSON NOT NULL, 
	quick_hits JSON NOT NULL, 
	watch JSON NOT NULL, 
	content_html TEXT NOT NULL, 
	markup VARCHAR(16) NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	first_seen DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (number)
);
INSERT INTO "issues" VALUES(412,'https://aiweekly.co/issues/412-agents-everywhere','https://aiweekly.co/issues/412','Agents everywhere','2026-02-23','2026-03-01','2026-03-01 12:00:00.000000','This week: agents.','["Agents ship"]','["A quick hit"]','[{"title": "A talk", "link": "https://example.org/talk", "show": "Show", "note": "note"}]','<p>agents</p>','modern','7d368ef5c3bcd134dac54c0b9342818b621b7ed33f9c75ce963da41940232c75','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000');
CREATE TABLE links (
	post_row INTEGER NOT NULL, 
	issue_number INTEGER, 
	method VARCHAR(32) NOT NULL, 
	score FLOAT NOT NULL, 
	evidence JSON NOT NULL, 
	decided DATETIME NOT NULL, 
	PRIMARY KEY (post_row), 
	FOREIGN KEY(post_row) REFERENCES posts (id) ON DELETE CASCADE
);
INSERT INTO "links" VALUES(1,412,'stated_number',1.0,'{"stated": 412}','2026-03-02 08:30:00.000000');
CREATE TABLE pages (
	id INTEGER NOT NULL, 
	url VARCHAR(2048) NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	status INTEGER NOT NULL, 
	content_type VARCHAR(255), 
	etag VARCHAR(255), 
	last_modified VARCHAR(64), 
	body BLOB, 
	body_sha256 VARCHAR(64), 
	first_fetched DATETIME NOT NULL, 
	last_fetched DATETIME NOT NULL, 
	last_changed DATETIME NOT NULL, 
	flags JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "pages" VALUES(1,'https://aiweekly.co/issues/412-agents-everywhere','aiweekly',200,'text/html','"e412"','Sun, 01 Mar 2026 12:00:00 GMT',X'789CB3C928C9CDB1333134B2D107B3002BC70525','6d97ab861b19302b1fdacca931bcb05174a0b4f9ab9c2a340509b5e6f8e85846','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000','[]');
CREATE TABLE posts (
	id INTEGER NOT NULL, 
	url VARCHAR(2048) NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	lang VARCHAR(8) NOT NULL, 
	post_id INTEGER, 
	title TEXT NOT NULL, 
	published DATETIME, 
	author VARCHAR(255), 
	category VARCHAR(255), 
	content_html TEXT NOT NULL, 
	content_text TEXT NOT NULL, 
	is_mirror BOOLEAN NOT NULL, 
	stated_issue_number INTEGER, 
	title_zh TEXT, 
	source_url VARCHAR(2048), 
	summary TEXT NOT NULL, 
	week_start DATE, 
	week_end DATE, 
	intro TEXT NOT NULL, 
	takeaways JSON NOT NULL, 
	quick_hits JSON NOT NULL, 
	watch JSON NOT NULL, 
	english_text TEXT NOT NULL, 
	english_links JSON NOT NULL, 
	markup VARCHAR(16) NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	first_seen DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "posts" VALUES(1,'https://news.qimuai.cn/?post=77','qimuai','zh',77,'AI周刊第412期:智能体无处不在','2026-03-02 01:00:00.000000','编辑','AI周刊','<p>内容</p>','内容',1,412,'智能体无处不在','https://aiweekly.co/issues/412','本周:智能体。','2026-02-23','2026-03-01','','[]','[]','[]','Agents ship','["https://example.org/a"]','classic','1cf675c3c5df18700888e86a48cce8d55c386efa9cb4e6fc006d003430193029','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000');
CREATE TABLE quarantine (
	url VARCHAR(2048) NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	reason TEXT NOT NULL, 
	found DATETIME NOT NULL, 
	content_type VARCHAR(255), 
	body BLOB, 
	PRIMARY KEY (url)
);
INSERT INTO "quarantine" VALUES('https://aiweekly.co/issues/412-agents-everywhere','aiweekly','fewer stories','2026-03-02 08:30:00.000000','text/html',X'789CB3C928C9CDB1333134B2D107B3002BC70525');
CREATE TABLE source_runs (
	id INTEGER NOT NULL, 
	source VARCHAR(64) NOT NULL, 
	started DATETIME NOT NULL, 
	finished DATETIME NOT NULL, 
	finish_reason VARCHAR(64) NOT NULL, 
	pages_fetched INTEGER NOT NULL, 
	not_modified INTEGER NOT NULL, 
	documents INTEGER NOT NULL, 
	new INTEGER NOT NULL, 
	updated INTEGER NOT NULL, 
	failed JSON NOT NULL, 
	quarantined JSON NOT NULL, 
	coverage JSON NOT NULL, 
	verdict TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "source_runs" VALUES(1,'qimuai','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000','finished',3,1,1,1,0,'[]','[]','{"title": 1.0}',NULL);
CREATE TABLE stories (
	id INTEGER NOT NULL, 
	issue_number INTEGER, 
	post_row INTEGER, 
	lang VARCHAR(8) NOT NULL, 
	position INTEGER NOT NULL, 
	section TEXT, 
	headline TEXT NOT NULL, 
	link VARCHAR(2048), 
	outlet VARCHAR(255), 
	date DATE, 
	summary TEXT, 
	pair INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(issue_number) REFERENCES issues (number) ON DELETE CASCADE, 
	FOREIGN KEY(post_row) REFERENCES posts (id) ON DELETE CASCADE
);
INSERT INTO "stories" VALUES(1,412,NULL,'en',1,'Top','Agents ship','https://example.org/a','Example','2026-02-24','Summary a',NULL);
INSERT INTO "stories" VALUES(2,412,NULL,'en',2,NULL,'Chips get cheaper','https://example.org/b','Other',NULL,NULL,NULL);
INSERT INTO "stories" VALUES(3,NULL,1,'zh',1,NULL,'智能体上线',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "stories" VALUES(4,NULL,1,'zh',2,NULL,'芯片更便宜',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE versions (
	id INTEGER NOT NULL, 
	url VARCHAR(2048) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	content_sha256 VARCHAR(64) NOT NULL, 
	stored DATETIME NOT NULL, 
	changed DATETIME NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "versions" VALUES(1,'https://aiweekly.co/issues/412-agents-everywhere','issue','7d368ef5c3bcd134dac54c0b9342818b621b7ed33f9c75ce963da41940232c75','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000','{"number": 412, "url": "https://aiweekly.co/issues/412-agents-everywhere", "numeric_url": "https://aiweekly.co/issues/412", "title": "Agents everywhere", "week_start": "2026-02-23", "week_end": "2026-03-01", "intro": "This week: agents.", "takeaways": ["Agents ship"], "quick_hits": ["A quick hit"], "watch": [{"title": "A talk", "link": "https://example.org/talk", "show": "Show", "note": "note"}], "stories": [{"position": 1, "headline": "Agents ship", "section": "Top", "link": "https://example.org/a", "outlet": "Example", "date": "2026-02-24", "summary": "Summary a", "date_text": null}, {"position": 2, "headline": "Chips get cheaper", "section": null, "link": "https://example.org/b", "outlet": "Other", "date": null, "summary": null, "date_text": null}], "published": "2026-03-01T12:00:00+00:00", "content_html": "<p>agents</p>", "markup": "modern"}');
INSERT INTO "versions" VALUES(2,'https://news.qimuai.cn/?post=77','post','1cf675c3c5df18700888e86a48cce8d55c386efa9cb4e6fc006d003430193029','2026-03-02 08:30:00.000000','2026-03-02 08:30:00.000000','{"url": "https://news.qimuai.cn/?post=77", "post_id": 77, "title": "AI\u5468\u520a\u7b2c412\u671f:\u667a\u80fd\u4f53\u65e0\u5904\u4e0d\u5728", "published": "2026-03-02T01:00:00+00:00", "author": "\u7f16\u8f91", "category": "AI\u5468\u520a", "content_html": "<p>\u5185\u5bb9</p>", "content_text": "\u5185\u5bb9", "mirror": {"issue_number": 412, "title": "\u667a\u80fd\u4f53\u65e0\u5904\u4e0d\u5728", "source_url": "https://aiweekly.co/issues/412", "summary": "\u672c\u5468:\u667a\u80fd\u4f53\u3002", "week_start": "2026-02-23", "week_end": "2026-03-01", "intro": "", "takeaways": [], "quick_hits": [], "watch": [], "stories": [{"position": 1, "headline": "\u667a\u80fd\u4f53\u4e0a\u7ebf", "section": null, "link": null, "outlet": null, "date": null, "summary": null, "date_text": null}, {"position": 2, "headline": "\u82af\u7247\u66f4\u4fbf\u5b9c", "section": null, "link": null, "outlet": null, "date": null, "summary": null, "date_text": null}], "english_text": "Agents ship", "english_links": ["https://example.org/a"]}, "markup": "classic"}');
CREATE INDEX ix_pages_source ON pages (source);
CREATE UNIQUE INDEX ix_pages_url ON pages (url);
CREATE INDEX ix_issues_url ON issues (url);
CREATE INDEX ix_posts_stated_issue_number ON posts (stated_issue_number);
CREATE UNIQUE INDEX ix_posts_url ON posts (url);
CREATE INDEX ix_posts_source ON posts (source);
CREATE INDEX ix_aliases_issue_number ON aliases (issue_number);
CREATE INDEX ix_features_kind ON features (kind);
CREATE INDEX ix_source_runs_source ON source_runs (source);
CREATE INDEX ix_quarantine_source ON quarantine (source);
CREATE INDEX ix_versions_url ON versions (url);
CREATE INDEX ix_stories_post_row ON stories (post_row);
CREATE INDEX ix_stories_issue_number ON stories (issue_number);
CREATE INDEX ix_links_issue_number ON links (issue_number);
COMMIT;
