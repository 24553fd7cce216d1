-- A store made by aggregator 0.1.0, the last release before migrations: written by tests/data/make_store_0_1_0.py, loaded by tests/test_migrations.py.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: aliases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE aliases (
    url character varying(2048) NOT NULL,
    issue_number integer NOT NULL,
    kind character varying(32) NOT NULL
);


--
-- Name: features; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE features (
    url character varying(2048) NOT NULL,
    kind character varying(16) NOT NULL,
    content_sha256 character varying(64) NOT NULL,
    version integer NOT NULL,
    data json NOT NULL
);


--
-- Name: issues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE issues (
    number integer NOT NULL,
    url character varying(2048) NOT NULL,
    numeric_url character varying(2048) NOT NULL,
    title text NOT NULL,
    week_start date,
    week_end date,
    published timestamp with time zone,
    intro text NOT NULL,
    takeaways json NOT NULL,
    quick_hits json NOT NULL,
    watch json NOT NULL,
    content_html text NOT NULL,
    markup character varying(16) NOT NULL,
    content_sha256 character varying(64) NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL
);


--
-- Name: links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE links (
    post_row integer NOT NULL,
    issue_number integer,
    method character varying(32) NOT NULL,
    score double precision NOT NULL,
    evidence json NOT NULL,
    decided timestamp with time zone NOT NULL
);


--
-- Name: pages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE pages (
    id integer NOT NULL,
    url character varying(2048) NOT NULL,
    source character varying(64) NOT NULL,
    status integer NOT NULL,
    content_type character varying(255),
    etag character varying(255),
    last_modified character varying(64),
    body bytea,
    body_sha256 character varying(64),
    first_fetched timestamp with time zone NOT NULL,
    last_fetched timestamp with time zone NOT NULL,
    last_changed timestamp with time zone NOT NULL,
    flags json NOT NULL
);


--
-- Name: pages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE pages_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: pages_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE pages_id_seq OWNED BY pages.id;


--
-- Name: posts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE posts (
    id integer NOT NULL,
    url character varying(2048) NOT NULL,
    source character varying(64) NOT NULL,
    lang character varying(8) NOT NULL,
    post_id integer,
    title text NOT NULL,
    published timestamp with time zone,
    author character varying(255),
    category character varying(255),
    content_html text NOT NULL,
    content_text text NOT NULL,
    is_mirror boolean NOT NULL,
    stated_issue_number integer,
    title_zh text,
    source_url character varying(2048),
    summary text NOT NULL,
    week_start date,
    week_end date,
    intro text NOT NULL,
    takeaways json NOT NULL,
    quick_hits json NOT NULL,
    watch json NOT NULL,
    english_text text NOT NULL,
    english_links json NOT NULL,
    markup character varying(16) NOT NULL,
    content_sha256 character varying(64) NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    updated timestamp with time zone NOT NULL
);


--
-- Name: posts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE posts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: posts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE posts_id_seq OWNED BY posts.id;


--
-- Name: quarantine; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE quarantine (
    url character varying(2048) NOT NULL,
    source character varying(64) NOT NULL,
    reason text NOT NULL,
    found timestamp with time zone NOT NULL,
    content_type character varying(255),
    body bytea
);


--
-- Name: source_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE source_runs (
    id integer NOT NULL,
    source character varying(64) NOT NULL,
    started timestamp with time zone NOT NULL,
    finished timestamp with time zone NOT NULL,
    finish_reason character varying(64) NOT NULL,
    pages_fetched integer NOT NULL,
    not_modified integer NOT NULL,
    documents integer NOT NULL,
    new integer NOT NULL,
    updated integer NOT NULL,
    failed json NOT NULL,
    quarantined json NOT NULL,
    coverage json NOT NULL,
    verdict text
);


--
-- Name: source_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE source_runs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: source_runs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE source_runs_id_seq OWNED BY source_runs.id;


--
-- Name: stories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE stories (
    id integer NOT NULL,
    issue_number integer,
    post_row integer,
    lang character varying(8) NOT NULL,
    "position" integer NOT NULL,
    section text,
    headline text NOT NULL,
    link character varying(2048),
    outlet character varying(255),
    date date,
    summary text,
    pair integer
);


--
-- Name: stories_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE stories_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: stories_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE stories_id_seq OWNED BY stories.id;


--
-- Name: versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE versions (
    id integer NOT NULL,
    url character varying(2048) NOT NULL,
    kind character varying(16) NOT NULL,
    content_sha256 character varying(64) NOT NULL,
    stored timestamp with time zone NOT NULL,
    changed timestamp with time zone NOT NULL,
    data json NOT NULL
);


--
-- Name: versions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE versions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: versions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE versions_id_seq OWNED BY versions.id;


--
-- Name: pages id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY pages ALTER COLUMN id SET DEFAULT nextval('pages_id_seq'::regclass);


--
-- Name: posts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY posts ALTER COLUMN id SET DEFAULT nextval('posts_id_seq'::regclass);


--
-- Name: source_runs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY source_runs ALTER COLUMN id SET DEFAULT nextval('source_runs_id_seq'::regclass);


--
-- Name: stories id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY stories ALTER COLUMN id SET DEFAULT nextval('stories_id_seq'::regclass);


--
-- Name: versions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY versions ALTER COLUMN id SET DEFAULT nextval('versions_id_seq'::regclass);


--
-- Data for Name: aliases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO aliases VALUES ('https://aiweekly.co/issues/412', 412, 'numeric');
INSERT INTO aliases VALUES ('https://aiweekly.co/issues/412-agents-everywhere', 412, 'canonical');
INSERT INTO aliases VALUES ('https://aiweekly.co/issues/412-old-slug', 412, 'redirect');


--
-- Data for Name: features; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO features VALUES ('https://aiweekly.co/issues/412-agents-everywhere', 'issue', '0000000000000000000000000000000000000000000000000000000000000000', 3, '{"number": 412}');


--
-- Data for Name: issues; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO issues VALUES (412, 'https://aiweekly.co/issues/412-agents-everywhere', 'https://aiweekly.co/issues/412', 'Agents everywhere', '2026-02-23', '2026-03-01', '2026-03-01 12:00:00+00', 'This week: agents.', '["Agents ship"]', '["A quick hit"]', '[{"title": "A talk", "link": "https://example.org/talk", "show": "Show", "note": "note"}]', '<p>agents</p>', 'modern', '7d368ef5c3bcd134dac54c0b9342818b621b7ed33f9c75ce963da41940232c75', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00');


--
-- Data for Name: links; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO links VALUES (1, 412, 'stated_number', 1, '{"stated": 412}', '2026-03-02 08:30:00+00');


--
-- Data for Name: pages; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO pages VALUES (1, 'https://aiweekly.co/issues/412-agents-everywhere', 'aiweekly', 200, 'text/html', '"e412"', 'Sun, 01 Mar 2026 12:00:00 GMT', '\x789cb3c928c9cdb1333134b2d107b3002bc70525', '6d97ab861b19302b1fdacca931bcb05174a0b4f9ab9c2a340509b5e6f8e85846', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00', '[]');


--
-- Data for Name: posts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO posts VALUES (1, 'https://news.qimuai.cn/?post=77', 'qimuai', 'zh', 77, 'AI周刊第412期:智能体无处不在', '2026-03-02 01:00:00+00', '编辑', 'AI周刊', '<p>内容</p>', '内容', true, 412, '智能体无处不在', 'https://aiweekly.co/issues/412', '本周:智能体。', '2026-02-23', '2026-03-01', '', '[]', '[]', '[]', 'Agents ship', '["https://example.org/a"]', 'classic', '1cf675c3c5df18700888e86a48cce8d55c386efa9cb4e6fc006d003430193029', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00');


--
-- Data for Name: quarantine; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO quarantine VALUES ('https://aiweekly.co/issues/412-agents-everywhere', 'aiweekly', 'fewer stories', '2026-03-02 08:30:00+00', 'text/html', '\x789cb3c928c9cdb1333134b2d107b3002bc70525');


--
-- Data for Name: source_runs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO source_runs VALUES (1, 'qimuai', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00', 'finished', 3, 1, 1, 1, 0, '[]', '[]', '{"title": 1.0}', NULL);


--
-- Data for Name: stories; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO stories VALUES (1, 412, NULL, 'en', 1, 'Top', 'Agents ship', 'https://example.org/a', 'Example', '2026-02-24', 'Summary a', NULL);
INSERT INTO stories VALUES (2, 412, NULL, 'en', 2, NULL, 'Chips get cheaper', 'https://example.org/b', 'Other', NULL, NULL, NULL);
INSERT INTO stories VALUES (3, NULL, 1, 'zh', 1, NULL, '智能体上线', NULL, NULL, NULL, NULL, NULL);
INSERT INTO stories VALUES (4, NULL, 1, 'zh', 2, NULL, '芯片更便宜', NULL, NULL, NULL, NULL, NULL);


--
-- Data for Name: versions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO versions VALUES (1, 'https://aiweekly.co/issues/412-agents-everywhere', 'issue', '7d368ef5c3bcd134dac54c0b9342818b621b7ed33f9c75ce963da41940232c75', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00', '{"number": 412, "url": "https://aiweekly.co/issues/412-agents-everywhere", "numeric_url": "https://aiweekly.co/issues/412", "title": "Agents everywhere", "week_start": "2026-02-23", "week_end": "2026-03-01", "intro": "This week: agents.", "takeaways": ["Agents ship"], "quick_hits": ["A quick hit"], "watch": [{"title": "A talk", "link": "https://example.org/talk", "show": "Show", "note": "note"}], "stories": [{"position": 1, "headline": "Agents ship", "section": "Top", "link": "https://example.org/a", "outlet": "Example", "date": "2026-02-24", "summary": "Summary a", "date_text": null}, {"position": 2, "headline": "Chips get cheaper", "section": null, "link": "https://example.org/b", "outlet": "Other", "date": null, "summary": null, "date_text": null}], "published": "2026-03-01T12:00:00+00:00", "content_html": "<p>agents</p>", "markup": "modern"}');
INSERT INTO versions VALUES (2, 'https://news.qimuai.cn/?post=77', 'post', '1cf675c3c5df18700888e86a48cce8d55c386efa9cb4e6fc006d003430193029', '2026-03-02 08:30:00+00', '2026-03-02 08:30:00+00', '{"url": "https://news.qimuai.cn/?post=77", "post_id": 77, "title": "AI\u5468\u520a\u7b2c412\u671f:\u667a\u80fd\u4f53\u65e0\u5904\u4e0d\u5728", "published": "2026-03-02T01:00:00+00:00", "author": "\u7f16\u8f91", "category": "AI\u5468\u520a", "content_html": "<p>\u5185\u5bb9</p>", "content_text": "\u5185\u5bb9", "mirror": {"issue_number": 412, "title": "\u667a\u80fd\u4f53\u65e0\u5904\u4e0d\u5728", "source_url": "https://aiweekly.co/issues/412", "summary": "\u672c\u5468:\u667a\u80fd\u4f53\u3002", "week_start": "2026-02-23", "week_end": "2026-03-01", "intro": "", "takeaways": [], "quick_hits": [], "watch": [], "stories": [{"position": 1, "headline": "\u667a\u80fd\u4f53\u4e0a\u7ebf", "section": null, "link": null, "outlet": null, "date": null, "summary": null, "date_text": null}, {"position": 2, "headline": "\u82af\u7247\u66f4\u4fbf\u5b9c", "section": null, "link": null, "outlet": null, "date": null, "summary": null, "date_text": null}], "english_text": "Agents ship", "english_links": ["https://example.org/a"]}, "markup": "classic"}');


--
-- Name: pages_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('pages_id_seq', 1, true);


--
-- Name: posts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('posts_id_seq', 1, true);


--
-- Name: source_runs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('source_runs_id_seq', 1, true);


--
-- Name: stories_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('stories_id_seq', 4, true);


--
-- Name: versions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('versions_id_seq', 2, true);


--
-- Name: aliases aliases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY aliases
    ADD CONSTRAINT aliases_pkey PRIMARY KEY (url);


--
-- Name: features features_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY features
    ADD CONSTRAINT features_pkey PRIMARY KEY (url);


--
-- Name: issues issues_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY issues
    ADD CONSTRAINT issues_pkey PRIMARY KEY (number);


--
-- Name: links links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY links
    ADD CONSTRAINT links_pkey PRIMARY KEY (post_row);


--
-- Name: pages pages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY pages
    ADD CONSTRAINT pages_pkey PRIMARY KEY (id);


--
-- Name: posts posts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY posts
    ADD CONSTRAINT posts_pkey PRIMARY KEY (id);


--
-- Name: quarantine quarantine_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY quarantine
    ADD CONSTRAINT quarantine_pkey PRIMARY KEY (url);


--
-- Name: source_runs source_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY source_runs
    ADD CONSTRAINT source_runs_pkey PRIMARY KEY (id);


--
-- Name: stories stories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY stories
    ADD CONSTRAINT stories_pkey PRIMARY KEY (id);


--
-- Name: versions versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY versions
    ADD CONSTRAINT versions_pkey PRIMARY KEY (id);


--
-- Name: ix_aliases_issue_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_aliases_issue_number ON aliases USING btree (issue_number);


--
-- Name: ix_features_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_features_kind ON features USING btree (kind);


--
-- Name: ix_issues_url; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_issues_url ON issues USING btree (url);


--
-- Name: ix_links_issue_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_links_issue_number ON links USING btree (issue_number);


--
-- Name: ix_pages_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_pages_source ON pages USING btree (source);


--
-- Name: ix_pages_url; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_pages_url ON pages USING btree (url);


--
-- Name: ix_posts_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_posts_source ON posts USING btree (source);


--
-- Name: ix_posts_stated_issue_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_posts_stated_issue_number ON posts USING btree (stated_issue_number);


--
-- Name: ix_posts_url; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_posts_url ON posts USING btree (url);


--
-- Name: ix_quarantine_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_quarantine_source ON quarantine USING btree (source);


--
-- Name: ix_source_runs_source; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_source_runs_source ON source_runs USING btree (source);


--
-- Name: ix_stories_issue_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_stories_issue_number ON stories USING btree (issue_number);


--
-- Name: ix_stories_post_row; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_stories_post_row ON stories USING btree (post_row);


--
-- Name: ix_versions_url; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_versions_url ON versions USING btree (url);


--
-- Name: links links_post_row_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY links
    ADD CONSTRAINT links_post_row_fkey FOREIGN KEY (post_row) REFERENCES posts(id) ON DELETE CASCADE;


--
-- Name: stories stories_issue_number_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY stories
    ADD CONSTRAINT stories_issue_number_fkey FOREIGN KEY (issue_number) REFERENCES issues(number) ON DELETE CASCADE;


--
-- Name: stories stories_post_row_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY stories
    ADD CONSTRAINT stories_post_row_fkey FOREIGN KEY (post_row) REFERENCES posts(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


