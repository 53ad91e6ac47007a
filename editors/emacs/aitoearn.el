;;; aitoearn.el --- Generate and edit images with AiToEarn and link them at point  -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The aitoearn-rpc authors

;; Author: The aitoearn-rpc authors
;; Maintainer: The aitoearn-rpc authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.14"))
;; Keywords: multimedia, convenience, tools

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Type a prompt, keep writing while the image is generated, and get a
;; Markdown (or, in Org buffers, an Org) link to the picture inserted
;; where point was.  The picture is saved next to the document, under
;; `aitoearn-image-directory'.  With point on an image link, have the
;; picture edited ("make the sky darker"): the link to the new picture
;; goes on the next line.
;;
;; The work is done by the `aitoearn-rpc' adapter, which this package
;; starts as a subprocess and talks to with the built-in `jsonrpc'
;; library (JSON-RPC 2.0 with Content-Length framing, over a pipe).
;; The adapter polls the AiToEarn service and saves the images itself;
;; this package only links the files it names.
;;
;; Commands:
;;   M-x aitoearn-generate   prompt in the minibuffer, link at point
;;   M-x aitoearn-edit       edit the picture linked at point, link below
;;   M-x aitoearn-video      generate a video, link at point ([prompt](videos/....mp4))
;;   M-x aitoearn-cancel     stop waiting for the jobs in flight
;;   M-x aitoearn-status     report a job by its logId or taskId (C-u: insert it)
;;   M-x aitoearn-jobs       pick one of your recent jobs, link what it made at point
;;                           (a running job is followed first; C-u: one kind only)
;;   M-x aitoearn-shutdown   stop the adapter
;;
;; The API key comes from the AITOEARN_API_KEY environment variable,
;; or from `aitoearn-api-key' (a string, or a function such as one
;; that reads auth-source).  See editors/README.md.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'subr-x)
(require 'url-util)

(defgroup aitoearn nil
  "Generate images with AiToEarn and link them in the buffer."
  :group 'multimedia
  :prefix "aitoearn-")

(defcustom aitoearn-command '("aitoearn-rpc")
  "Command line that starts the adapter, as a list of strings.
For example (\"aitoearn-rpc\" \"--region\" \"cn\"), or
\(\"aitoearn-rpc\" \"--simulate\") to try everything offline."
  :type '(repeat string))

(defcustom aitoearn-model nil
  "Image model to use; nil means ask, with completion over the service's models."
  :type '(choice (const :tag "Ask each time" nil) string))

(defcustom aitoearn-edit-model nil
  "Edit model for `aitoearn-edit'.
Nil means ask, with completion over the service's edit models."
  :type '(choice (const :tag "Ask each time" nil) string))

(defcustom aitoearn-video-model nil
  "Video model for `aitoearn-video'.
Nil means ask, with completion over the service's video models."
  :type '(choice (const :tag "Ask each time" nil) string))

(defcustom aitoearn-video-directory "videos"
  "Directory for saved videos and their covers.
Relative to the document's directory, or absolute."
  :type 'directory)

(defcustom aitoearn-video-timeout 1800
  "Seconds to wait for a video job before giving up (the job itself goes on)."
  :type 'integer)

(defcustom aitoearn-image-directory "images"
  "Directory for saved images, relative to the document's directory (or absolute)."
  :type 'directory)

(defcustom aitoearn-region nil
  "Which AiToEarn site to use; nil leaves it to the adapter (global)."
  :type '(choice (const :tag "Adapter default" nil)
                 (const :tag "International (aitoearn.ai)" "global")
                 (const :tag "China (aitoearn.cn)" "cn")))

(defcustom aitoearn-response-format nil
  "How the service returns images; nil leaves it to the service (url)."
  :type '(choice (const :tag "Service default" nil)
                 (const "url")
                 (const "b64_json")))

(defcustom aitoearn-api-key nil
  "API key: nil (the adapter reads AITOEARN_API_KEY), a string, or a function.
A function is called with no argument and returns the key or nil, e.g.
\(lambda () (auth-source-pick-first-password :host \"aitoearn.ai\"))."
  :type '(choice (const :tag "From the environment" nil)
                 (string :tag "Key")
                 (function :tag "Function returning the key")))

(defcustom aitoearn-extra-params nil
  "Extra fields for image.generate, as a plist, e.g. (:size \"1024x1024\" :n 1)."
  :type '(plist :key-type symbol :value-type sexp))

(defcustom aitoearn-timeout 600
  "Seconds to wait for a job before giving up (the job itself goes on)."
  :type 'integer)

(defcustom aitoearn-show-in-mode-line t
  "Whether to show the adapter's status and progress in the mode line."
  :type 'boolean)

(defcustom aitoearn-events-buffer-size 2000000
  "Size of the JSON-RPC events buffer (*aitoearn events*); 0 disables it."
  :type 'integer)

(defconst aitoearn-version "0.1.0"
  "The adapter version this client expects (`aitoearn-doctor' warns below it).
Written by scripts/embed-version from the repository's VERSION file.")

(defvar aitoearn--connection nil
  "The running adapter connection, or nil.")

(defvar aitoearn--jobs (make-hash-table)
  "Jobs in flight: JSON-RPC request id -> `aitoearn--job'.")

(defvar aitoearn--status nil
  "Last status.changed params from the adapter, a plist.")

(defvar aitoearn--token-counter 0)

(defvar aitoearn--last-log-id nil
  "The logId of the last job this Emacs submitted.")

(defvar aitoearn-prompt-history nil
  "Minibuffer history of image prompts.")

(defvar aitoearn-log-id-history nil
  "Minibuffer history of job ids.")

(cl-defstruct (aitoearn--job (:constructor aitoearn--make-job))
  "An image or video request in flight.
With BELOW, its links go on new lines after MARKER's line.  With VIDEO,
it makes a video: one plain link, to the video."
  id token prompt marker docdir log-id status poll elapsed-ms started cancelled below video)

(defclass aitoearn--rpc-connection (jsonrpc-process-connection)
  ((last-request-id
    :initform nil
    :accessor aitoearn--last-request-id
    :documentation "The id of the last request sent (for $/cancelRequest)."))
  :documentation "A connection to the aitoearn-rpc adapter.")

(cl-defmethod jsonrpc-connection-send :before ((conn aitoearn--rpc-connection) &rest args)
  "Remember the id of each request sent on CONN (ARGS as in the primary method)."
  (when (and (plist-get args :method) (plist-get args :id))
    (setf (aitoearn--last-request-id conn) (plist-get args :id))))

;;; Messages

(defconst aitoearn--key-help
  "Set the AITOEARN_API_KEY environment variable or customize `aitoearn-api-key', then try again."
  "What to do when the key is missing or rejected.")

(defun aitoearn--notify (text &optional face)
  "Show TEXT in the echo area (and *Messages*), in FACE if given."
  (message "%s" (if face (propertize text 'face face) text)))

(defun aitoearn--command-problem ()
  "Nil when `aitoearn-command' can run, else a message saying what to do."
  (let ((program (car-safe aitoearn-command)))
    (cond
     ((not (and (stringp program) (not (string-empty-p program))))
      "AiToEarn: `aitoearn-command' is empty: customize it to the adapter's command line, e.g. (\"aitoearn-rpc\")")
     ((if (string-match-p "/" program)
          (file-executable-p (expand-file-name program))
        (executable-find program))
      nil)
     (t
      (format "AiToEarn: cannot start the adapter: `%s' was not found or is not executable.  Install it with `uv tool install aitoearn-rpc' or `pipx install aitoearn-rpc' (or unpack a release archive), then put it on PATH (`exec-path') or customize `aitoearn-command' to its full path"
              program)))))

(defun aitoearn--doctor-report ()
  "What `aitoearn-doctor' finds: a list of (LEVEL TEXT).
LEVEL is `ok', `warning' or `error'."
  (let ((program (car-safe aitoearn-command))
        (problem (aitoearn--command-problem))
        report)
    (if problem
        (push (list 'error problem) report)
      (let* ((path (if (string-match-p "/" program) (expand-file-name program) (executable-find program)))
             (status nil)
             (said (with-temp-buffer
                     (setq status (condition-case err (call-process path nil t nil "--version")
                                    (error (error-message-string err))))
                     (string-trim (buffer-string))))
             (version (and (eql status 0)
                           (string-match "\\`aitoearn-rpc \\([0-9]+\\.[0-9]+\\.[0-9]+\\)\\'" said)
                           (match-string 1 said))))
        (push (cond
               ((not (eql status 0))
                (list 'error (format "AiToEarn: `%s --version' failed (%s): %s" path status said)))
               ((not version)
                (list 'warning (format "AiToEarn: %s answers --version with \"%s\", not \"aitoearn-rpc X.Y.Z\"; is `aitoearn-command' the aitoearn-rpc adapter?" path said)))
               ((version< version aitoearn-version)
                (list 'warning (format "AiToEarn: the adapter %s is version %s, older than %s, which this client expects: upgrade it (uv tool upgrade aitoearn-rpc, pipx upgrade aitoearn-rpc, or a newer release archive)" path version aitoearn-version)))
               (t (list 'ok (format "AiToEarn: adapter aitoearn-rpc %s at %s (this client expects %s or later)" version path aitoearn-version))))
              report)))
    (push (cond ((aitoearn--api-key) (list 'ok "API key: from `aitoearn-api-key'"))
                ((not (string-empty-p (or (getenv "AITOEARN_API_KEY") ""))) (list 'ok "API key: from AITOEARN_API_KEY"))
                ((member "--simulate" aitoearn-command) (list 'ok "API key: none needed (the simulator, --simulate)"))
                (t (list 'warning "No API key: set AITOEARN_API_KEY or customize `aitoearn-api-key'")))
          report)
    (nreverse report)))

;;;###autoload
(defun aitoearn-doctor ()
  "Check the adapter (its path and version) and the key.
An adapter older than `aitoearn-version' is a warning.  The findings
go to the *aitoearn doctor* buffer, shown when called interactively;
returns them as a list of (LEVEL TEXT)."
  (interactive)
  (let ((report (aitoearn--doctor-report)))
    (with-current-buffer (get-buffer-create "*aitoearn doctor*")
      (let ((inhibit-read-only t))
        (erase-buffer)
        (dolist (finding report)
          (insert (pcase (car finding) ('ok "OK: ") ('warning "WARNING: ") (_ "ERROR: "))
                  (cadr finding) "\n"))
        (special-mode)))
    (when (called-interactively-p 'interactive)
      (display-buffer "*aitoearn doctor*"))
    report))

(defun aitoearn--explain (err)
  "One sentence for the JSON-RPC error plist ERR: what happened, what to do."
  (let* ((code (plist-get err :code))
         (data (plist-get err :data))
         (data (and (listp data) data))
         (task (plist-get data :task))
         (log-id (or (plist-get data :logId) (plist-get data :taskId)))
         (text (format "AiToEarn: %s" (or (plist-get err :message) "the request failed"))))
    (cond
     ((eql code -32001)
      (concat (if (plist-get data :upstreamCode)
                  "AiToEarn: the API key was rejected.  "
                "AiToEarn: no API key is set.  ")
              aitoearn--key-help))
     ((eql code -1)
      (concat "AiToEarn: the adapter stopped; nothing was inserted."
              (if (stringp log-id) (format "  `M-x aitoearn-status %s' fetches the job later." log-id) "")))
     ((and (eql code -32011) (listp task) (stringp (plist-get task :errorMessage)))
      (format "%s (%s)" text (plist-get task :errorMessage)))
     ((and (eql code -32011) (listp task) (listp (plist-get task :error))
           (stringp (plist-get (plist-get task :error) :message)))
      (format "%s (%s)" text (plist-get (plist-get task :error) :message)))
     ((and (memql code '(-32012 -32015)) (stringp log-id))
      (format "%s  The job goes on: C-u M-x aitoearn-status RET %s inserts it later." text log-id))
     (t text))))

;;; Mode line and progress

(defun aitoearn-mode-line ()
  "A short text for the mode line.
It tells the newest job's progress, or else the adapter's status."
  (let ((newest nil) (count 0))
    (maphash (lambda (_id job)
               (setq count (1+ count))
               (when (or (null newest) (> (aitoearn--job-id job) (aitoearn--job-id newest)))
                 (setq newest job)))
             aitoearn--jobs)
    (cond
     (newest
      (format "AiToEarn: %s %ds%s"
              (or (aitoearn--job-status newest) "submitting")
              (/ (or (aitoearn--job-elapsed-ms newest)
                     (* 1000 (float-time (time-since (aitoearn--job-started newest)))))
                 1000)
              (if (> count 1) (format " (+%d)" (1- count)) "")))
     ((null aitoearn--status) "")
     ((equal (plist-get aitoearn--status :kind) "ok") "AiToEarn: ok")
     (t (format "AiToEarn: %s"
                (pcase (plist-get aitoearn--status :action)
                  ("set-api-key" "set API key")
                  ("top-up-credits" "top up credits")
                  ("check-network" "check network")
                  (_ (plist-get aitoearn--status :kind))))))))

(defconst aitoearn--mode-line-entry '(:eval (let ((s (aitoearn-mode-line)))
                                             (if (string-empty-p s) "" (concat " " s " "))))
  "What `aitoearn-show-in-mode-line' adds to `mode-line-misc-info'.")

(defun aitoearn--update-mode-line ()
  "Show our entry in the mode line if wanted, and redraw."
  (when (and aitoearn-show-in-mode-line
             (not (member aitoearn--mode-line-entry mode-line-misc-info)))
    (setq mode-line-misc-info (append mode-line-misc-info (list aitoearn--mode-line-entry))))
  (force-mode-line-update t))

(defun aitoearn--short (text)
  "TEXT on one line, at most 40 characters."
  (truncate-string-to-width (replace-regexp-in-string "[ \t\n]+" " " text) 40 nil nil "…"))

(defun aitoearn--show-progress (job)
  "Echo JOB's progress and update the mode line."
  (aitoearn--update-mode-line)
  (let ((message-log-max nil)
        (elapsed (/ (or (aitoearn--job-elapsed-ms job)
                        (* 1000 (float-time (time-since (aitoearn--job-started job)))))
                    1000.0)))
    (message "AiToEarn: %s \"%s\" %.1fs%s"
             (or (aitoearn--job-status job) "submitting")
             (aitoearn--short (aitoearn--job-prompt job))
             elapsed
             (if (and (aitoearn--job-poll job) (> (aitoearn--job-poll job) 0))
                 (format " (poll %d)" (aitoearn--job-poll job))
               ""))))

;;; The connection

(defun aitoearn--job-by-token (token)
  "The job in flight whose workDoneToken is TOKEN."
  (catch 'found
    (maphash (lambda (_id job)
               (when (equal (aitoearn--job-token job) token) (throw 'found job)))
             aitoearn--jobs)
    nil))

(defun aitoearn--on-notification (_conn method params)
  "Handle the notification METHOD with PARAMS from the adapter."
  (pcase (symbol-name method)
    ("task.progress"
     (when-let ((job (gethash (plist-get params :requestId) aitoearn--jobs)))
       (setf (aitoearn--job-log-id job) (or (plist-get params :logId) (plist-get params :taskId)
                                             (aitoearn--job-log-id job))
             (aitoearn--job-status job) (or (plist-get params :status) (aitoearn--job-status job))
             (aitoearn--job-poll job) (or (plist-get params :poll) (aitoearn--job-poll job))
             (aitoearn--job-elapsed-ms job) (or (plist-get params :elapsedMs) (aitoearn--job-elapsed-ms job)))
       (when (aitoearn--job-log-id job)
         (setq aitoearn--last-log-id (aitoearn--job-log-id job)))
       (aitoearn--show-progress job)))
    ("$/progress"
     (when-let ((job (aitoearn--job-by-token (plist-get params :token))))
       (aitoearn--show-progress job)))
    ("status.changed"
     (setq aitoearn--status params)
     (aitoearn--update-mode-line))))

(defun aitoearn--on-request (_conn _method _params)
  "The adapter sends no request: answer each with method-not-found."
  (jsonrpc-error :code -32601 :message "Method not found"))

(defun aitoearn--on-shutdown (conn)
  "CONN is gone: forget it."
  (when (eq conn aitoearn--connection)
    (setq aitoearn--connection nil))
  (aitoearn--update-mode-line))

(defun aitoearn--api-key ()
  "The key from `aitoearn-api-key', or nil to leave it to the environment."
  (let ((key (if (functionp aitoearn-api-key)
                 (ignore-errors (funcall aitoearn-api-key))
               aitoearn-api-key)))
    (and (stringp key) (not (string-empty-p key)) key)))

(defun aitoearn--stderr-tail (conn)
  "The last line the adapter of CONN wrote on stderr, or nil."
  (let ((buffer (ignore-errors (jsonrpc-stderr-buffer conn))))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer
        (car (last (split-string (buffer-string) "\n" t "[ \t]+")))))))

(defun aitoearn--start ()
  "Start the adapter and initialize it; return the connection.
Signal a `user-error' that says what to do when it cannot start."
  (when-let ((problem (aitoearn--command-problem)))
    (user-error "%s" problem))
  (let* ((name "aitoearn")
         (default-directory (if (file-accessible-directory-p default-directory)
                                default-directory
                              temporary-file-directory))
         (conn (make-instance
                'aitoearn--rpc-connection
                :name name
                :events-buffer-scrollback-size aitoearn-events-buffer-size
                :notification-dispatcher #'aitoearn--on-notification
                :request-dispatcher #'aitoearn--on-request
                :on-shutdown #'aitoearn--on-shutdown
                :process (lambda ()
                           (make-process
                            :name name
                            :command aitoearn-command
                            :connection-type 'pipe
                            :coding 'utf-8-emacs-unix
                            :noquery t
                            :stderr (get-buffer-create (format "*%s stderr*" name))))))
         (options (append (when-let ((key (aitoearn--api-key))) (list :apiKey key))
                          (when aitoearn-region (list :region aitoearn-region)))))
    (condition-case err
        (jsonrpc-request conn 'initialize
                         (append (list :processId (emacs-pid))
                                 (when options (list :initializationOptions options)))
                         :timeout 15)
      (jsonrpc-error
       (let ((stderr (aitoearn--stderr-tail conn)))
         (ignore-errors (jsonrpc-shutdown conn))
         (user-error "AiToEarn: the adapter did not start: %s%s (see the *aitoearn events* buffer)"
                     (or (alist-get 'jsonrpc-error-message (cdr err)) err)
                     (if stderr (concat ": " stderr) "")))))
    (jsonrpc-notify conn 'initialized (make-hash-table))
    (setq aitoearn--connection conn)
    (aitoearn--update-mode-line)
    conn))

(defun aitoearn--ensure-connection ()
  "The running connection, started if needed."
  (if (and aitoearn--connection (jsonrpc-running-p aitoearn--connection))
      aitoearn--connection
    (aitoearn--start)))

;;;###autoload
(defun aitoearn-shutdown ()
  "Stop the adapter (to be started again by the next command)."
  (interactive)
  (when-let ((conn aitoearn--connection))
    (setq aitoearn--connection nil)
    (when (jsonrpc-running-p conn)
      (ignore-errors (jsonrpc-request conn 'shutdown (make-hash-table) :timeout 2))
      (ignore-errors (jsonrpc-notify conn 'exit (make-hash-table)))
      (with-timeout (1 nil)
        (while (jsonrpc-running-p conn)
          (accept-process-output nil 0.05))))
    (ignore-errors (jsonrpc-shutdown conn))))

;;; Links

(defun aitoearn--document-directory ()
  "The directory of the current document (or `default-directory')."
  (file-name-as-directory
   (expand-file-name (if buffer-file-name
                         (file-name-directory buffer-file-name)
                       default-directory))))

(defun aitoearn--link (path prompt docdir &optional video)
  "A link to the image PATH (absolute), for PROMPT, from the document in DOCDIR.
Org buffers get an Org link, every other buffer a Markdown one: an image
link, or with VIDEO a plain link [PROMPT](videos/....mp4)."
  (let ((rel (file-relative-name (file-truename path) (file-truename docdir))))
    (if (derived-mode-p 'org-mode)
        (format "[[file:%s]]" rel)
      (format (if video "[%s](%s)" "![%s](%s)")
              (replace-regexp-in-string
               "[][\\]" "\\\\\\&"
               (string-trim (replace-regexp-in-string "[ \t\n\r]+" " " prompt)))
              (if (string-match-p "[ ()<>]" rel) (concat "<" rel ">") rel)))))

;;; Jobs

(defun aitoearn--forget-job (job)
  "Drop JOB from the jobs in flight."
  (when (aitoearn--job-id job)
    (remhash (aitoearn--job-id job) aitoearn--jobs))
  (aitoearn--update-mode-line))

(defun aitoearn--job-done (job result)
  "JOB ended with RESULT (a TaskStatus plist): insert links to its saved images."
  (aitoearn--forget-job job)
  (unless (aitoearn--job-cancelled job)
    (let* ((marker (aitoearn--job-marker job))
           (buffer (marker-buffer marker))
           (video (aitoearn--job-video job))
           ;; A video job saves the video, then its cover: only the video is linked.
           (saved (let ((all (append (plist-get result :saved) nil))) (if video (and all (list (car all))) all)))
           (log-id (or (plist-get result :logId) (plist-get result :id)))
           (request (or (plist-get result :request) (plist-get result :input)))
           (prompt (or (and (listp request) (stringp (plist-get request :prompt))
                            (plist-get request :prompt))
                       (aitoearn--job-prompt job))))
      (cond
       ((member (upcase (format "%s" (plist-get result :status))) '("FAILED" "FAILURE"))
        (aitoearn--notify (format "AiToEarn: job %s failed: %s" log-id
                                  (or (plist-get result :errorMessage)
                                      (plist-get (plist-get result :error) :message)
                                      "no reason given"))
                          'error))
       ((null saved)
        (aitoearn--notify (format "AiToEarn: job %s finished but no %s was saved" log-id (if video "video" "image")) 'error))
       ((not (buffer-live-p buffer))
        (let ((links (mapconcat (lambda (p) (format (if video "[%s](%s)" "![%s](%s)") prompt p)) saved "\n")))
          (kill-new links)
          (aitoearn--notify (format "AiToEarn: the image is saved but its buffer is gone; the link is in the kill ring: %s" links)
                            'warning)))
       (t
        (let ((text (with-current-buffer buffer
                      (mapconcat (lambda (p) (aitoearn--link p prompt (aitoearn--job-docdir job) video))
                                 saved "\n"))))
          (with-current-buffer buffer
            (save-excursion
              (goto-char marker)
              (if (not (aitoearn--job-below job))
                  (insert text)
                (end-of-line)
                (insert "\n" text))))
          (aitoearn--notify (format "AiToEarn: inserted %s" text)))))
      (set-marker marker nil))))

(defun aitoearn--job-failed (job err)
  "JOB ended with the JSON-RPC error plist ERR."
  (aitoearn--forget-job job)
  (set-marker (aitoearn--job-marker job) nil)
  (unless (aitoearn--job-cancelled job)
    (when (eql (plist-get err :code) -32001)
      ;; Restart next time, so that a key set in the meantime is used.
      (run-at-time 0 nil #'aitoearn-shutdown))
    (when (and (eql (plist-get err :code) -1) (aitoearn--job-log-id job))
      (setq err (plist-put (copy-sequence err) :data (list :logId (aitoearn--job-log-id job)))))
    (aitoearn--notify (aitoearn--explain err) 'error)))

(defun aitoearn--run-job (method params prompt &optional below video)
  "Send METHOD with PARAMS for PROMPT; link the saved images at point when done.
With BELOW, the links go on new lines after the current line instead.
With VIDEO, it is a video job: saved under `aitoearn-video-directory',
given `aitoearn-video-timeout', and linked with one plain link."
  (let* ((conn (aitoearn--ensure-connection))
         (docdir (aitoearn--document-directory))
         (token (format "aitoearn-%d-%d" (emacs-pid) (cl-incf aitoearn--token-counter)))
         (timeout (if video aitoearn-video-timeout aitoearn-timeout))
         (job (aitoearn--make-job :token token :prompt prompt
                                  :marker (if below (copy-marker (line-beginning-position)) (point-marker))
                                  :docdir docdir :started (current-time) :below below :video video))
         (params (append params
                         (list :saveTo (expand-file-name (if video aitoearn-video-directory aitoearn-image-directory) docdir)
                               :workDoneToken token)
                         (when timeout (list :timeoutMs (* 1000 timeout))))))
    (set-marker-insertion-type (aitoearn--job-marker job) nil)
    (jsonrpc-async-request conn method params
                           :success-fn (lambda (result) (aitoearn--job-done job result))
                           :error-fn (lambda (err) (aitoearn--job-failed job err))
                           :timeout-fn (lambda ()
                                         (aitoearn--job-failed
                                          job (list :code -32012 :message "No answer from the adapter in time."
                                                    :data (list :logId (aitoearn--job-log-id job)))))
                           :timeout (+ 30 (or timeout 600)))
    (setf (aitoearn--job-id job) (aitoearn--last-request-id conn))
    (puthash (aitoearn--job-id job) job aitoearn--jobs)
    (aitoearn--show-progress job)
    job))

(defun aitoearn--models (conn &optional kind)
  "Ask the adapter on CONN for the models of KIND, as (NAME . DESCRIPTION) pairs.
KIND is \"generation\" (the default), \"edit\" or \"video\"."
  (let* ((result (condition-case err
                     (if (equal kind "video")
                         (jsonrpc-request conn 'video.models nil :timeout 60)
                       (jsonrpc-request conn 'image.models (list :kind (or kind "generation")) :timeout 60))
                   (jsonrpc-error
                    (user-error "%s" (aitoearn--explain
                                      (list :code (alist-get 'jsonrpc-error-code (cdr err))
                                            :message (alist-get 'jsonrpc-error-message (cdr err))
                                            :data (alist-get 'jsonrpc-error-data (cdr err))))))))
         (list (if (vectorp result) result
                 (or (plist-get result :models) (plist-get result :list) (plist-get result :data)))))
    (delq nil (mapcar (lambda (entry)
                        (cond ((stringp entry) (cons entry nil))
                              ((and (listp entry) (stringp (plist-get entry :name)))
                               (cons (plist-get entry :name) (plist-get entry :description)))))
                      list))))

(defun aitoearn--read-model (&optional kind)
  "Ask for a model of KIND, with completion over image.models.
KIND is \"generation\" (the default), \"edit\" or \"video\"."
  (let* ((models (aitoearn--models (aitoearn--ensure-connection) kind))
         (completion-extra-properties
          (list :annotation-function
                (lambda (name)
                  (when-let ((desc (cdr (assoc name models))))
                    (when (stringp desc) (concat "  " desc)))))))
    (unless models
      (user-error (pcase kind
                    ("edit" "AiToEarn: the service lists no image edit model; customize `aitoearn-edit-model'")
                    ("video" "AiToEarn: the service lists no video model; customize `aitoearn-video-model'")
                    (_ "AiToEarn: the service lists no image model; customize `aitoearn-model'"))))
    (completing-read (format-prompt (pcase kind ("edit" "AiToEarn edit model") ("video" "AiToEarn video model")
                                      (_ "AiToEarn model"))
                                    (caar models))
                     models nil t nil nil (caar models))))

(defun aitoearn--check-ready ()
  "Signal a `user-error' telling what to do when the adapter cannot run."
  (when-let ((problem (aitoearn--command-problem)))
    (user-error "%s" problem)))

;;;###autoload
(defun aitoearn-generate (prompt &optional model)
  "Generate an image for PROMPT and insert a link to it at point.
The image is saved under `aitoearn-image-directory', next to the
document; the link is Org in Org buffers and Markdown elsewhere.  MODEL
defaults to `aitoearn-model'; when that is nil, it is read with
completion over the service's models.  Returns at once: progress shows
in the echo area and the mode line, and the link appears when the job
is done.  \\[aitoearn-cancel] cancels it."
  (interactive
   (progn
     (aitoearn--check-ready)
     (list (read-string "Image prompt: " nil 'aitoearn-prompt-history)
           (or aitoearn-model (aitoearn--read-model)))))
  (aitoearn--check-ready)
  (unless (and (stringp prompt) (not (string-empty-p (string-trim prompt))))
    (user-error "AiToEarn: the prompt is empty"))
  (let* ((model (or model aitoearn-model (aitoearn--read-model)))
         (params (append (list :prompt (string-trim prompt) :model model)
                         (when aitoearn-response-format
                           (list :response_format aitoearn-response-format))
                         aitoearn-extra-params)))
    (aitoearn--run-job 'image.generate params (string-trim prompt))))

;;; Video

;;;###autoload
(defun aitoearn-video (prompt &optional model)
  "Generate a video for PROMPT and insert a link to it at point.
The video (and its cover) is saved under `aitoearn-video-directory',
next to the document; the link is [PROMPT](videos/....mp4) in Markdown,
[[file:videos/....mp4]] in Org, and goes where the command was started
even if you moved on meanwhile.  MODEL defaults to `aitoearn-video-model';
when that is nil, it is read with completion over the service's video
models.  A video takes minutes: this returns at once, the service's
status shows in the echo area and the mode line, and \[aitoearn-cancel]
stops waiting (the job goes on; `aitoearn-status' fetches it later)."
  (interactive
   (progn
     (aitoearn--check-ready)
     (list (read-string "Video prompt: " nil 'aitoearn-prompt-history)
           (or aitoearn-video-model (aitoearn--read-model "video")))))
  (aitoearn--check-ready)
  (unless (and (stringp prompt) (not (string-empty-p (string-trim prompt))))
    (user-error "AiToEarn: the prompt is empty"))
  (let ((model (or model aitoearn-video-model (aitoearn--read-model "video"))))
    (aitoearn--run-job 'video.generate (list :prompt (string-trim prompt) :model model) (string-trim prompt) nil t)))

;;; Editing

(defconst aitoearn--no-link-message
  "AiToEarn: put point on an image link, ![...](picture.png) or [[file:picture.png]], then run M-x aitoearn-edit again to edit that picture"
  "What to do when `aitoearn-edit' finds no image link at point.")

(defconst aitoearn--markdown-image-regexp
  "!\\[\\(?:[^]\\\\\n]\\|\\\\.\\)*\\](\\(?:<\\([^>\n]*\\)>\\|\\([^ \t)\n]+\\)\\)\\(?:[ \t]+\"[^\"\n]*\"\\)?[ \t]*)"
  "A Markdown image: group 1 is a <target>, group 2 a plain target.")

(defconst aitoearn--org-file-link-regexp
  "\\[\\[file:\\([^]\n]+\\)\\]\\(?:\\[[^]\n]*\\]\\)?\\]"
  "An Org file link, with or without a description: group 1 is the target.")

(defun aitoearn--image-link-at-point ()
  "The target of the image link at point, as written, or nil.
Markdown ![alt](target) (also <target> and a title) and Org
[[file:target]] or [[file:target][description]] links count."
  (let ((line (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
        (column (- (point) (line-beginning-position)))
        (found nil))
    (save-match-data
      (dolist (re (list aitoearn--markdown-image-regexp aitoearn--org-file-link-regexp))
        (let ((start 0))
          (while (and (not found) (string-match re line start))
            (when (and (>= column (match-beginning 0)) (< column (match-end 0)))
              (setq found (if (eq re aitoearn--org-file-link-regexp)
                              (replace-regexp-in-string "::.*\\'" "" (match-string 1 line))
                            (or (match-string 1 line) (match-string 2 line)))))
            (setq start (match-end 0))))))
    found))

(defun aitoearn--resolve-link (target docdir)
  "What the adapter gets for the link TARGET of a document in DOCDIR.
URLs as written; a path made absolute (Markdown escapes undone, ~ expanded,
%XX decoded when that names the file)."
  (if (string-match-p "\\`\\(?:[Hh][Tt][Tt][Pp][Ss]?\\|file\\)://" target)
      target
    (let ((path (expand-file-name (replace-regexp-in-string "\\\\\\([[:punct:]]\\)" "\\1" target) docdir)))
      (if (and (not (file-exists-p path)) (string-match-p "%[0-9A-Fa-f][0-9A-Fa-f]" path))
          (let ((decoded (decode-coding-string (url-unhex-string path) 'utf-8)))
            (if (file-exists-p decoded) decoded path))
        path))))

;;;###autoload
(defun aitoearn-edit (prompt &optional model)
  "Edit the picture whose image link is at point as PROMPT says.
Point must be on a Markdown image link, ![alt](picture.png), or an
Org file link, [[file:picture.png]].  The link to the new picture is
inserted on the next line; the original link stays.  A relative link
is read from the document's directory; an http(s) link is passed to
the service as it is.  MODEL defaults to `aitoearn-edit-model'; when
that is nil, it is read with completion over the service's edit
models.  Returns at once, like `aitoearn-generate'."
  (interactive
   (progn
     (unless (aitoearn--image-link-at-point)
       (user-error "%s" aitoearn--no-link-message))
     (aitoearn--check-ready)
     (list (read-string "Change the picture how? " nil 'aitoearn-prompt-history)
           (or aitoearn-edit-model (aitoearn--read-model "edit")))))
  (let ((target (or (aitoearn--image-link-at-point) (user-error "%s" aitoearn--no-link-message))))
    (aitoearn--check-ready)
    (unless (and (stringp prompt) (not (string-empty-p (string-trim prompt))))
      (user-error "AiToEarn: the prompt is empty"))
    (let* ((model (or model aitoearn-edit-model (aitoearn--read-model "edit")))
           (params (append (list :prompt (string-trim prompt) :model model
                                 :image (aitoearn--resolve-link target (aitoearn--document-directory)))
                           (when aitoearn-response-format
                             (list :response_format aitoearn-response-format)))))
      (aitoearn--run-job 'image.edit params (string-trim prompt) t))))

;;;###autoload
(defun aitoearn-cancel ()
  "Stop waiting for every job in flight; nothing is inserted for them.
A job already submitted goes on upstream (it is billed);
\\[universal-argument] \\[aitoearn-status] inserts its result later."
  (interactive)
  (let ((cancelled nil))
    (maphash (lambda (id job)
               (setf (aitoearn--job-cancelled job) t)
               (set-marker (aitoearn--job-marker job) nil)
               (when (and aitoearn--connection (jsonrpc-running-p aitoearn--connection))
                 (jsonrpc-notify aitoearn--connection (intern "$/cancelRequest") (list :id id)))
               (push job cancelled))
             aitoearn--jobs)
    (clrhash aitoearn--jobs)
    (aitoearn--update-mode-line)
    (if (null cancelled)
        (aitoearn--notify "AiToEarn: nothing is being generated")
      (let ((ids (delq nil (mapcar #'aitoearn--job-log-id cancelled))))
        (aitoearn--notify
         (concat (format "AiToEarn: cancelled %d job(s); nothing was inserted." (length cancelled))
                 (if ids
                     (format "  Submitted jobs go on upstream (and are billed): C-u M-x aitoearn-status RET %s inserts one later."
                             (string-join ids " / "))
                   ""))
         'warning)))
    (length cancelled)))

;;;###autoload
(defun aitoearn-status (log-id &optional insert)
  "Report the job LOG-ID (24 hex characters) and return its status plist.
LOG-ID is an image job's logId or a video job's taskId.  With INSERT
\(interactively, a prefix argument), wait for the job to end and insert
links to its images (or its video) at point, as `aitoearn-generate' does."
  (interactive
   (progn
     (aitoearn--check-ready)
     (list (read-string (format-prompt "Job id (logId)" aitoearn--last-log-id)
                        nil 'aitoearn-log-id-history aitoearn--last-log-id)
           current-prefix-arg)))
  (aitoearn--check-ready)
  (setq log-id (string-trim (or log-id "")))
  (when (string-empty-p log-id)
    (user-error "AiToEarn: give the job id (logId, 24 hex characters)"))
  (if insert
      (let ((video (aitoearn--video-job-p log-id)))
        (aitoearn--run-job 'task.status (list (if video :taskId :logId) log-id :wait t) (format "AiToEarn %s" log-id)
                           nil video))
    (condition-case err
        (let* ((video (aitoearn--video-job-p log-id))
               (task (jsonrpc-request (aitoearn--ensure-connection) 'task.status
                                      (list (if video :taskId :logId) log-id) :timeout 60))
               (status (plist-get task :status)))
          (aitoearn--notify
           (pcase (if video (concat "video-" (upcase (format "%s" status))) (format "%s" status))
             ("video-SUCCESS" (format "AiToEarn: video job %s succeeded; C-u M-x aitoearn-status inserts it" log-id))
             ("video-FAILURE" (format "AiToEarn: video job %s failed: %s" log-id
                                      (or (plist-get (plist-get task :error) :message) "no reason given")))
             ((and (pred (string-prefix-p "video-")) _)
              (format "AiToEarn: video job %s is %s (submitted %s)" log-id status (or (plist-get task :submittedAt) "?")))
             ("success" (format "AiToEarn: job %s succeeded with %d image(s); C-u M-x aitoearn-status inserts them"
                                log-id (length (plist-get task :images))))
             ("failed" (format "AiToEarn: job %s failed: %s" log-id
                               (or (plist-get task :errorMessage) "no reason given")))
             (_ (format "AiToEarn: job %s is %s (started %s)" log-id status
                        (or (plist-get task :startedAt) "?")))))
          task)
      (jsonrpc-error
       (aitoearn--notify (aitoearn--explain
                          (list :code (alist-get 'jsonrpc-error-code (cdr err))
                                :message (alist-get 'jsonrpc-error-message (cdr err))
                                :data (alist-get 'jsonrpc-error-data (cdr err))))
                         'error)
       nil))))

;;; Recent jobs

(defvar aitoearn-job-history nil
  "Minibuffer history of the jobs picked with `aitoearn-jobs'.")

(defconst aitoearn--job-kinds '("image" "video")
  "The kinds of job task.list knows, in the order they are listed.")

(defun aitoearn--when (stamp)
  "STAMP, an ISO-8601 time, for people.
2026-01-02T03:04:05.678Z becomes \"2026-01-02 03:04:05 UTC\"."
  (cond
   ((not (stringp stamp)) "?")
   ((string-match "\\`\\([0-9]\\{4\\}-[0-9][0-9]-[0-9][0-9]\\)T\\([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\\)" stamp)
    (concat (match-string 1 stamp) " " (match-string 2 stamp) (if (string-suffix-p "Z" stamp) " UTC" "")))
   (t stamp)))

(defun aitoearn--describe-job (kind id entry)
  "One line for the job ID of KIND, as task.list lists it (ENTRY, a plist).
Kind, status, model (and the action when it says more), created time, id."
  (let* ((type (let ((v (plist-get entry :type))) (if (and (stringp v) (not (string-empty-p v))) v kind)))
         (model (let ((v (plist-get entry :model))) (and (stringp v) (not (string-empty-p v)) v)))
         (action (let ((v (plist-get entry :action))) (and (stringp v) (not (string-empty-p v))
                                                           (not (equal v type)) v))))
    (string-join (delq nil (list type (format "%s" (or (plist-get entry :status) "?")) model action
                                 (aitoearn--when (or (plist-get entry :createdAt) (plist-get entry :startedAt)))
                                 id))
                 " · ")))

(defun aitoearn--list-jobs (kinds)
  "The caller's jobs of KINDS (a list of \"image\", \"video\"), newest first.
One task.list page of each kind, as a list of (LINE KIND ID ENTRY), LINE
from `aitoearn--describe-job'.  Signal a `user-error' that says what to
do when the adapter refuses."
  (let ((conn (aitoearn--ensure-connection))
        (jobs nil))
    (dolist (kind kinds)
      (let* ((page (condition-case err
                       (jsonrpc-request conn 'task.list (list :kind kind) :timeout 60)
                     (jsonrpc-error
                      (user-error "%s" (aitoearn--explain
                                        (list :code (alist-get 'jsonrpc-error-code (cdr err))
                                              :message (alist-get 'jsonrpc-error-message (cdr err))
                                              :data (alist-get 'jsonrpc-error-data (cdr err))))))))
             (list (and (listp page) (plist-get page :list))))
        (dolist (entry (append list nil))
          (let ((id (and (listp entry) (or (and (equal kind "video") (plist-get entry :taskId))
                                           (plist-get entry :id)))))
            (when (and (stringp id) (not (string-empty-p id)))
              (push (list (aitoearn--describe-job kind id entry) kind id entry) jobs))))))
    ;; Newest first across the kinds; `sort' is stable, so equal times keep the service's order.
    (sort (nreverse jobs)
          (lambda (a b) (string> (format "%s" (or (plist-get (nth 3 a) :createdAt) ""))
                                 (format "%s" (or (plist-get (nth 3 b) :createdAt) "")))))))

;;;###autoload
(defun aitoearn-jobs (&optional kind)
  "Pick one of your recent jobs and insert a link to what it made at point.
The jobs are the adapter's task.list (one page of each kind, newest
first), read with completion, one line each: kind, status, model,
action, created time (UTC) and id.  KIND is \"image\" or \"video\" to list
one kind, nil for both (interactively, a prefix argument asks for it).
The job picked is fetched as \\[universal-argument] \\[aitoearn-status] fetches it: a
finished job's images (or video) are saved next to the document and
linked at point; a running one is followed to its end, its progress in
the echo area and the mode line, then linked; a failed one shows its
error and inserts nothing."
  (interactive
   (progn
     (aitoearn--check-ready)
     (list (when current-prefix-arg
             (completing-read "Jobs of kind: " aitoearn--job-kinds nil t)))))
  (aitoearn--check-ready)
  (when (and kind (not (member kind aitoearn--job-kinds)))
    (user-error "AiToEarn: no job kind \"%s\": the kind is \"image\" or \"video\" (nil for both)" kind))
  (let ((jobs (aitoearn--list-jobs (if kind (list kind) aitoearn--job-kinds))))
    (if (null jobs)
        (progn (aitoearn--notify (format "AiToEarn: you have no %sjobs yet" (if kind (concat kind " ") "")))
               nil)
      (let* ((lines (mapcar #'car jobs))
             (line (completing-read
                    "AiToEarn job: "
                    (lambda (string pred action)
                      (if (eq action 'metadata)
                          '(metadata (category . aitoearn-job)
                                     (display-sort-function . identity)
                                     (cycle-sort-function . identity))
                        (complete-with-action action lines string pred)))
                    nil t nil 'aitoearn-job-history))
             (job (or (assoc line jobs) (user-error "AiToEarn: no job picked")))
             (video (equal (nth 1 job) "video"))
             (id (nth 2 job)))
        (aitoearn--run-job 'task.status (list (if video :taskId :logId) id :wait t) (format "AiToEarn %s" id)
                           nil video)))))

(defun aitoearn--video-job-p (id)
  "Whether ID names a video job: the service knows no image job by that id (404).
Image and video jobs share the id's shape, so the service is asked."
  (condition-case err
      (progn (jsonrpc-request (aitoearn--ensure-connection) 'task.status (list :logId id) :timeout 60) nil)
    (jsonrpc-error
     (let ((data (alist-get 'jsonrpc-error-data (cdr err))))
       (and (eql (alist-get 'jsonrpc-error-code (cdr err)) -32010)
            (listp data) (eql (plist-get data :upstreamCode) 404))))))

(provide 'aitoearn)
;;; aitoearn.el ends here
