;;; aitoearn-tests.el --- ERT tests for aitoearn.el against the real adapter  -*- lexical-binding: t; -*-

;;; Commentary:

;; Run with:
;;   emacs -Q --batch -L editors/emacs -l editors/emacs/test/aitoearn-tests.el \
;;         -f ert-run-tests-batch-and-exit
;; The adapter is $AITOEARN_RPC_BIN, or <repo>/.build/debug/aitoearn-rpc, run with
;; --simulate (offline, no key).  Every wait has a timeout; on failure the
;; JSON-RPC events buffer is printed.

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'org)
(require 'aitoearn)

(defconst aitoearn-tests--here
  (file-name-directory (or load-file-name buffer-file-name)))

(defconst aitoearn-tests--bin
  (let ((bin (getenv "AITOEARN_RPC_BIN")))
    (expand-file-name
     (if (and bin (not (string-empty-p bin)))
         bin
       (expand-file-name "../../../.build/debug/aitoearn-rpc" aitoearn-tests--here)))))

(defconst aitoearn-tests--fast '("--simulate" "--simulate-delay-ms" "300"))

(defun aitoearn-tests--dump ()
  "Print the adapter's events buffer and the recent messages."
  (let ((events (get-buffer "*aitoearn events*")))
    (princ (format "---- *aitoearn events* ----\n%s\n---- end of events ----\n"
                   (if events (with-current-buffer events (buffer-string)) "(none)"))
           #'external-debugging-output))
  (princ (format "---- *Messages* (tail) ----\n%s\n---- end ----\n"
                 (with-current-buffer (messages-buffer)
                   (buffer-substring-no-properties (max (point-min) (- (point-max) 3000)) (point-max))))
         #'external-debugging-output))

(defmacro aitoearn-tests--with (command &rest body)
  "Run BODY with `aitoearn-command' set to COMMAND in a fresh temp directory `dir'.
The adapter is shut down afterwards; on failure the events buffer is dumped."
  (declare (indent 1) (debug t))
  `(let* ((dir (file-name-as-directory (make-temp-file "aitoearn-ert-" t)))
          (default-directory dir)
          (process-environment (cons "AITOEARN_API_KEY" process-environment))
          (aitoearn-command ,command)
          (aitoearn-model "sim-image")
          (aitoearn-image-directory "images")
          (aitoearn-api-key nil)
          (aitoearn--status nil)
          ;; Messages still go to *Messages* (the tests read it), not to the terminal.
          (inhibit-message t))
     (ignore dir)
     (aitoearn-shutdown)
     (clrhash aitoearn--jobs)
     (let ((events (get-buffer "*aitoearn events*")))
       (when events (kill-buffer events)))
     (unwind-protect
         (condition-case err
             (progn ,@body)
           (error (aitoearn-tests--dump)
                  (signal (car err) (cdr err))))
       (aitoearn-shutdown)
       (clrhash aitoearn--jobs)
       (dolist (buf (buffer-list))
         (when (and (buffer-file-name buf) (string-prefix-p dir (buffer-file-name buf)))
           (with-current-buffer buf (set-buffer-modified-p nil))
           (kill-buffer buf)))
       (delete-directory dir t))))

(defmacro aitoearn-tests--wait (form &optional seconds)
  "Wait until FORM is non-nil and return it; fail after SECONDS (default 15)."
  `(with-timeout (,(or seconds 15) (ert-fail (format "timed out waiting for %S" ',form)))
     (let (value)
       (while (not (setq value ,form))
         (accept-process-output nil 0.05))
       value)))

(defun aitoearn-tests--messages-mark ()
  "The current end of *Messages*."
  (with-current-buffer (messages-buffer) (point-max)))

(defun aitoearn-tests--messages-since (mark)
  "The messages logged after MARK."
  (with-current-buffer (messages-buffer)
    (buffer-substring-no-properties (min mark (point-max)) (point-max))))

(defun aitoearn-tests--png-p (file)
  "Whether FILE starts with the PNG signature."
  (and (file-readable-p file)
       (with-temp-buffer
         (set-buffer-multibyte nil)
         (insert-file-contents-literally file nil 0 8)
         (equal (buffer-string) "\211PNG\r\n\032\n"))))

(defun aitoearn-tests--trace (file)
  "The events of the trace FILE (NDJSON), as plists."
  (when (file-readable-p file)
    (with-temp-buffer
      (insert-file-contents file)
      (delq nil (mapcar (lambda (line)
                          (ignore-errors
                            (json-parse-string line :object-type 'plist :null-object nil)))
                        (split-string (buffer-string) "\n" t))))))

(defmacro aitoearn-tests--answering (prompt model &rest body)
  "Run BODY with the minibuffer answering PROMPT and, for a model, MODEL.
Binds `asked' to the list of (PROMPT . COLLECTION) the code asked."
  (declare (indent 2) (debug t))
  `(let ((asked nil))
     (cl-letf (((symbol-function 'read-string)
                (lambda (p &rest _) (push (cons p nil) asked) ,prompt))
               ((symbol-function 'completing-read)
                (lambda (p collection &rest _) (push (cons p collection) asked) ,model)))
       ,@body)))

(defun aitoearn-tests--visit (dir name)
  "Visit the file NAME in DIR (a new, empty document) and return its buffer."
  (let ((buf (find-file-noselect (expand-file-name name dir))))
    (set-buffer buf)
    buf))

(defconst aitoearn-tests--md-link "\\`!\\[a red fox\\](\\(images/[^)]+\\.png\\))\\'")

(ert-deftest aitoearn-byte-compiles-cleanly ()
  "aitoearn.el byte-compiles with no warning."
  (let* ((dir (make-temp-file "aitoearn-bc-" t))
         (file (expand-file-name "aitoearn.el" dir))
         (byte-compile-error-on-warn t))
    (unwind-protect
        (progn
          (copy-file (expand-file-name "../aitoearn.el" aitoearn-tests--here) file)
          (should (byte-compile-file file)))
      (delete-directory dir t))))

(ert-deftest aitoearn-generate-markdown ()
  "M-x aitoearn-generate in a Markdown document inserts ![prompt](images/x.png)."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (aitoearn-tests--visit dir "notes.md")
    (insert "Intro\n")
    (aitoearn-tests--answering "a red fox" "unused"
      (call-interactively #'aitoearn-generate)
      (should (equal (caar asked) "Image prompt: ")))
    (should (string-prefix-p "AiToEarn: " (aitoearn-mode-line)))
    ;; The user goes on writing above point while the job runs.
    (save-excursion (goto-char (point-min)) (insert "# Title\n"))
    (let* ((line (aitoearn-tests--wait
                  (let ((l (nth 2 (split-string (buffer-string) "\n"))))
                    (and l (not (string-empty-p l)) l))))
           (rel (and (string-match aitoearn-tests--md-link line) (match-string 1 line))))
      (should rel)
      (should (string-prefix-p "# Title\nIntro\n!" (buffer-string)))
      (should (aitoearn-tests--png-p (expand-file-name rel dir))))
    (should (equal (aitoearn-mode-line) "AiToEarn: ok"))))

(ert-deftest aitoearn-generate-org ()
  "In an Org buffer the link is an Org file link."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (aitoearn-tests--visit dir "notes.org")
    (should (derived-mode-p 'org-mode))
    (aitoearn-tests--answering "an owl" "unused"
      (call-interactively #'aitoearn-generate))
    (let* ((text (aitoearn-tests--wait
                  (and (> (buffer-size) 0) (buffer-string))))
           (rel (and (string-match "\\`\\[\\[file:\\(images/[^]]+\\.png\\)\\]\\]\\'" text)
                     (match-string 1 text))))
      (should rel)
      (should (aitoearn-tests--png-p (expand-file-name rel dir))))))

(ert-deftest aitoearn-generate-completes-models ()
  "With `aitoearn-model' nil the model is read with completion over image.models."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-model nil))
      (aitoearn-tests--visit dir "pick.md")
      (aitoearn-tests--answering "a blue bird" "sim-image"
        (call-interactively #'aitoearn-generate)
        (let ((collection (cdr (cl-find-if (lambda (a) (string-prefix-p "AiToEarn model" (car a)))
                                           asked))))
          (should (assoc "sim-image" collection))
          (should (assoc "sim-image-fail" collection))))
      (should (string-match-p "\\`!\\[a blue bird\\](images/.*\\.png)\\'"
                              (aitoearn-tests--wait (and (> (buffer-size) 0) (buffer-string))))))))

(ert-deftest aitoearn-generate-from-lisp ()
  "(aitoearn-generate PROMPT) works from Lisp too, in a buffer with no file."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (with-temp-buffer
      (aitoearn-generate "a red fox")
      (let ((text (aitoearn-tests--wait (and (> (buffer-size) 0) (buffer-string)))))
        (should (string-match aitoearn-tests--md-link text))
        (should (aitoearn-tests--png-p (expand-file-name (match-string 1 text) dir)))))))

(defconst aitoearn-tests--picture
  (base64-decode-string
   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
  "A real 1x1 PNG, for documents to link to.")

(defun aitoearn-tests--write-picture (file)
  "Write `aitoearn-tests--picture' to FILE (its directory made as needed)."
  (make-directory (file-name-directory file) t)
  (let ((coding-system-for-write 'binary))
    (write-region aitoearn-tests--picture nil file nil 'silent)))

(defun aitoearn-tests--file-bytes (file)
  "The bytes of FILE, as a unibyte string."
  (with-temp-buffer
    (set-buffer-multibyte nil)
    (insert-file-contents-literally file)
    (buffer-string)))

(ert-deftest aitoearn-edit-markdown-link ()
  "M-x aitoearn-edit on a Markdown image link links the edited PNG on the next line."
  (let ((trace (make-temp-file "aitoearn-trace-" nil ".ndjson")))
    (unwind-protect
        (aitoearn-tests--with (append (list aitoearn-tests--bin) aitoearn-tests--fast (list "--trace-file" trace))
          (let ((aitoearn-edit-model "sim-edit"))
            (aitoearn-tests--write-picture (expand-file-name "pics/harbour.png" dir))
            (aitoearn-tests--visit dir "notes.md")
            (insert "Intro\nSee ![the harbour](pics/harbour.png) at dusk.\nOutro")
            (goto-char (point-min))
            (forward-line 1)
            (forward-char 10)
            (aitoearn-tests--answering "make the sky darker" "unused"
              (call-interactively #'aitoearn-edit)
              (should (equal (caar asked) "Change the picture how? ")))
            (let* ((line (aitoearn-tests--wait
                          (let ((l (nth 2 (split-string (buffer-string) "\n"))))
                            (and l (not (equal l "Outro")) l))))
                   (rel (and (string-match "\\`!\\[make the sky darker\\](\\(images/[^)]+\\.png\\))\\'" line)
                             (match-string 1 line))))
              (should rel)
              (should (equal (buffer-string)
                             (concat "Intro\nSee ![the harbour](pics/harbour.png) at dusk.\n" line "\nOutro")))
              (should (aitoearn-tests--png-p (expand-file-name rel dir)))
              (should-not (equal (aitoearn-tests--file-bytes (expand-file-name rel dir)) aitoearn-tests--picture))
              (should (equal (aitoearn-tests--file-bytes (expand-file-name "pics/harbour.png" dir))
                             aitoearn-tests--picture)))
            (let ((params (cl-some (lambda (ev)
                                     (let ((m (plist-get ev :message)))
                                       (and (equal (plist-get ev :dir) "recv") (listp m)
                                            (equal (plist-get m :method) "image.edit")
                                            (plist-get m :params))))
                                   (aitoearn-tests--trace trace))))
              (should (equal (file-truename (plist-get params :image))
                             (file-truename (expand-file-name "pics/harbour.png" dir))))
              (should (equal (plist-get params :model) "sim-edit")))))
      (delete-file trace))))

(ert-deftest aitoearn-edit-org-link-completes-edit-models ()
  "On an Org file link the model is read with completion over the edit models."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-edit-model nil))
      (aitoearn-tests--write-picture (expand-file-name "harbour.png" dir))
      (aitoearn-tests--visit dir "notes.org")
      (should (derived-mode-p 'org-mode))
      (insert "* Harbour\n[[file:harbour.png][the harbour]]")
      (goto-char (point-max))
      (backward-char 5)
      (aitoearn-tests--answering "remove the text" "sim-edit"
        (call-interactively #'aitoearn-edit)
        (let ((pick (cl-find-if (lambda (a) (string-prefix-p "AiToEarn edit model" (car a))) asked)))
          (should pick)
          (should (equal (mapcar #'car (cdr pick)) '("sim-edit" "sim-edit-single")))))
      (let* ((line (aitoearn-tests--wait (nth 2 (split-string (buffer-string) "\n"))))
             (rel (and (string-match "\\`\\[\\[file:\\(images/[^]]+\\.png\\)\\]\\]\\'" line) (match-string 1 line))))
        (should rel)
        (should (aitoearn-tests--png-p (expand-file-name rel dir)))
        (should (equal (nth 1 (split-string (buffer-string) "\n")) "[[file:harbour.png][the harbour]]"))))))

(ert-deftest aitoearn-edit-without-a-link ()
  "No image link at point: one clear message, no prompt, nothing started or inserted."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-edit-model "sim-edit"))
      (aitoearn-tests--visit dir "plain.md")
      (insert "Some text, ![a link](far.png) further on.")
      (goto-char (+ (point-min) 2))
      (aitoearn-tests--answering "make it blue" "sim-edit"
        (let ((err (should-error (call-interactively #'aitoearn-edit) :type 'user-error)))
          (should (string-match-p "image link" (cadr err)))
          (should (string-match-p "aitoearn-edit" (cadr err))))
        (should-not asked)
        (should-error (aitoearn-edit "make it blue") :type 'user-error))
      (should-not aitoearn--connection)
      (should (equal (buffer-string) "Some text, ![a link](far.png) further on.")))))

(ert-deftest aitoearn-image-links-are-found-at-point ()
  "Markdown and Org image links are found under point, in their several forms."
  (with-temp-buffer
    (cl-flet ((at (text column)
                (erase-buffer)
                (insert text)
                (goto-char (+ (point-min) column))
                (aitoearn--image-link-at-point)))
      (should (equal (at "![a](x.png)" 0) "x.png"))
      (should (equal (at "x ![a \\[b\\]](<my pic.png> \"title\") y" 20) "my pic.png"))
      (should (equal (at "![](https://h/p.png?a=1)" 5) "https://h/p.png?a=1"))
      (should (equal (at "[[file:~/pics/a.png]]" 3) "~/pics/a.png"))
      (should (equal (at "[[file:b.png::12][desc]]" 20) "b.png"))
      (should-not (at "![a](x.png) and more" 15))
      (should-not (at "[link](not-image.png)" 3))))
  (should (equal (aitoearn--resolve-link "pics/a b.png" "/d/") "/d/pics/a b.png"))
  (should (equal (aitoearn--resolve-link "https://h/p.png" "/d/") "https://h/p.png")))

(ert-deftest aitoearn-cancel-sends-cancel-request ()
  "M-x aitoearn-cancel during a slow job makes the adapter receive $/cancelRequest."
  (let* ((trace (make-temp-file "aitoearn-trace-" nil ".ndjson")))
    (unwind-protect
        (aitoearn-tests--with (list aitoearn-tests--bin "--simulate" "--simulate-delay-ms" "60000"
                                    "--trace-file" trace)
          (aitoearn-tests--visit dir "slow.md")
          (aitoearn-tests--answering "a slow tortoise" "unused"
            (call-interactively #'aitoearn-generate))
          (let* ((job (aitoearn-tests--wait
                       (catch 'found
                         (maphash (lambda (_ j) (when (aitoearn--job-log-id j) (throw 'found j)))
                                  aitoearn--jobs))))
                 (id (aitoearn--job-id job))
                 (mark (aitoearn-tests--messages-mark)))
            (should (string-match-p "\\`AiToEarn: generating" (aitoearn-mode-line)))
            (call-interactively #'aitoearn-cancel)
            (should (string-match-p "cancelled" (aitoearn-tests--messages-since mark)))
            (aitoearn-tests--wait
             (cl-some (lambda (ev)
                        (let ((m (plist-get ev :message)))
                          (and (equal (plist-get ev :dir) "recv")
                               (listp m)
                               (equal (plist-get m :method) "$/cancelRequest")
                               (equal (plist-get (plist-get m :params) :id) id))))
                      (aitoearn-tests--trace trace))
             5)
            (accept-process-output nil 0.3)
            (should (equal (buffer-string) ""))
            (should (= 0 (hash-table-count aitoearn--jobs)))))
      (delete-file trace))))

(ert-deftest aitoearn-status-reports-and-inserts ()
  "M-x aitoearn-status reports a job; with a prefix argument it inserts its image."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (aitoearn-tests--visit dir "s.md")
    (aitoearn-generate "a cat")
    (aitoearn-tests--wait (> (buffer-size) 0))
    (let ((log-id aitoearn--last-log-id)
          (mark (aitoearn-tests--messages-mark)))
      (should (string-match-p "\\`[0-9a-f]+\\'" log-id))
      (let ((task (aitoearn-tests--answering log-id "unused"
                    (call-interactively #'aitoearn-status))))
        (should (equal (plist-get task :status) "success")))
      (should (string-match-p "succeeded" (aitoearn-tests--messages-since mark)))
      (erase-buffer)
      (let ((current-prefix-arg '(4)))
        (aitoearn-tests--answering log-id "unused"
          (call-interactively #'aitoearn-status)))
      (should (string-match-p "\\`!\\[.*\\](images/.*\\.png)\\'"
                              (aitoearn-tests--wait (and (> (buffer-size) 0) (buffer-string))))))))

;;; Video

(defun aitoearn-tests--mp4-p (file)
  "Whether FILE is an MP4 (an ftyp box first)."
  (and (file-readable-p file)
       (with-temp-buffer
         (set-buffer-multibyte nil)
         (insert-file-contents-literally file nil 0 12)
         (equal (buffer-substring 5 9) "ftyp"))))

(ert-deftest aitoearn-video-markdown ()
  "M-x aitoearn-video links the saved MP4 where it was started, with the service's status shown."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-video-model "sim-video")
          (statuses nil))
      (aitoearn-tests--visit dir "notes.md")
      (insert "Intro\n")
      (aitoearn-tests--answering "a paper boat" "unused"
        (call-interactively #'aitoearn-video)
        (should (equal (caar asked) "Video prompt: ")))
      ;; The user moves on: writes above, and point goes elsewhere.
      (save-excursion (goto-char (point-min)) (insert "# Title\n"))
      (goto-char (point-min))
      (let* ((line (aitoearn-tests--wait
                    (progn
                      (maphash (lambda (_ j) (when (aitoearn--job-status j) (cl-pushnew (aitoearn--job-status j) statuses
                                                                                        :test #'equal)))
                               aitoearn--jobs)
                      (let ((l (nth 2 (split-string (buffer-string) "\n"))))
                        (and l (not (string-empty-p l)) l)))))
             (rel (and (string-match "\\`\\[a paper boat\\](\\(videos/[0-9a-f]+\\.mp4\\))\\'" line)
                       (match-string 1 line))))
        (should rel)
        (should (aitoearn-tests--mp4-p (expand-file-name rel dir)))
        (should (member "InProgress" statuses))))))

(ert-deftest aitoearn-video-from-lisp-in-org-completes-models ()
  "(aitoearn-video PROMPT) works from Lisp; the model is completed over video.models; Org gets an Org link."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-video-model nil))
      (aitoearn-tests--visit dir "notes.org")
      (aitoearn-tests--answering "unused" "sim-video"
        (aitoearn-video "an owl at night")
        (should (assoc "sim-video" (cdr (cl-find-if (lambda (a) (string-prefix-p "AiToEarn video model" (car a))) asked)))))
      (let ((text (aitoearn-tests--wait (and (> (buffer-size) 0) (buffer-string)))))
        (should (string-match "\\`\\[\\[file:\\(videos/[0-9a-f]+\\.mp4\\)\\]\\]\\'" text))
        (should (aitoearn-tests--mp4-p (expand-file-name (match-string 1 text) dir)))))))

(ert-deftest aitoearn-video-cancel-names-the-task-and-status-fetches-it ()
  "M-x aitoearn-cancel during a video job names its taskId; C-u M-x aitoearn-status inserts it later."
  (aitoearn-tests--with (list aitoearn-tests--bin "--simulate" "--simulate-delay-ms" "2000")
    (let ((aitoearn-video-model "sim-video"))
      (aitoearn-tests--visit dir "slow.md")
      (aitoearn-video "a slow tortoise")
      (let* ((job (aitoearn-tests--wait
                   (catch 'found
                     (maphash (lambda (_ j) (when (aitoearn--job-log-id j) (throw 'found j))) aitoearn--jobs))))
             (task-id (aitoearn--job-log-id job))
             (mark (aitoearn-tests--messages-mark)))
        (call-interactively #'aitoearn-cancel)
        (should (string-match-p (regexp-quote task-id) (aitoearn-tests--messages-since mark)))
        (should (equal (buffer-string) ""))
        (aitoearn-status task-id t)
        (should (string-match-p (format "\\`\\[a slow tortoise\\](videos/%s\\.mp4)\\'" task-id)
                                (aitoearn-tests--wait (and (> (buffer-size) 0) (buffer-string)))))))))

;;; Recent jobs

(defmacro aitoearn-tests--picking (want &rest body)
  "Run BODY with `completing-read' picking the first candidate that contains WANT.
WANT nil quits, as C-g does.  A question about the kind is answered
\"video\".  Binds `offered' to the list of (PROMPT . CANDIDATES) asked,
the candidates in the order the completion table shows them."
  (declare (indent 1) (debug t))
  `(let ((offered nil))
     (cl-letf (((symbol-function 'completing-read)
                (lambda (p collection &rest _)
                  (let* ((all (all-completions "" collection))
                         (sort-fn (and (functionp collection)
                                       (cdr (assq 'display-sort-function
                                                  (cdr (funcall collection "" nil 'metadata))))))
                         (shown (if sort-fn (funcall sort-fn all) (sort all #'string<))))
                    (push (cons p shown) offered)
                    (cond ((string-prefix-p "Jobs of kind" p) "video")
                          ((null ,want) (signal 'quit nil))
                          (t (or (cl-find-if (lambda (c) (string-match-p (regexp-quote ,want) c)) shown) "")))))))
       ,@body)))

(defconst aitoearn-tests--when "[0-9]\\{4\\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC"
  "A created time as `aitoearn-jobs' shows it.")

(ert-deftest aitoearn-jobs-links-a-finished-job ()
  "M-x aitoearn-jobs lists your jobs; a finished one is saved next to this document and linked at point."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (aitoearn-tests--visit dir "a.md")
    (aitoearn-generate "a cat")
    (aitoearn-tests--wait (> (buffer-size) 0))
    (let ((log-id aitoearn--last-log-id))
      (should (string-match-p "\\`[0-9a-f]\\{24\\}\\'" log-id))
      ;; Another document, in another directory: the picture is saved again, next to it.
      (make-directory (expand-file-name "other" dir))
      (aitoearn-tests--visit dir "other/b.md")
      (insert "Before\n\nAfter")
      (goto-char (point-min))
      (forward-line 1)
      (aitoearn-tests--picking log-id
        (call-interactively #'aitoearn-jobs)
        (should (= 1 (length offered)))
        (should (equal (caar offered) "AiToEarn job: "))
        (should (= 1 (length (cdar offered))))
        (should (string-match-p (concat "\\`image · success · sim-image · generation · " aitoearn-tests--when
                                        " · " log-id "\\'")
                                (cadr (car offered)))))
      (let ((rel (format "images/%s-1.png" log-id)))
        (should (equal (aitoearn-tests--wait
                        (let ((l (nth 1 (split-string (buffer-string) "\n"))))
                          (and l (not (string-empty-p l)) l)))
                       (format "![a cat](%s)" rel)))
        (should (equal (buffer-string) (format "Before\n![a cat](%s)\nAfter" rel)))
        (should (aitoearn-tests--png-p (expand-file-name rel (expand-file-name "other" dir))))))))

(ert-deftest aitoearn-jobs-follows-a-running-job ()
  "M-x aitoearn-jobs follows a running job, with its progress shown, and links it when it ends."
  (aitoearn-tests--with (list aitoearn-tests--bin "--simulate" "--simulate-delay-ms" "1500")
    (aitoearn-tests--visit dir "slow.md")
    (aitoearn-generate "a slow tortoise")
    (let* ((job (aitoearn-tests--wait
                 (catch 'found
                   (maphash (lambda (_ j) (when (aitoearn--job-log-id j) (throw 'found j))) aitoearn--jobs))))
           (log-id (aitoearn--job-log-id job))
           (statuses nil))
      (aitoearn-cancel) ; stop waiting: the job goes on
      (should (equal (buffer-string) ""))
      (aitoearn-tests--picking log-id
        (call-interactively #'aitoearn-jobs)
        (should (string-match-p "\\`image · generating · sim-image · " (cadr (car offered)))))
      (should (string-match-p "\\`AiToEarn: " (aitoearn-mode-line)))
      (should (equal (aitoearn-tests--wait
                      (progn
                        (maphash (lambda (_ j)
                                   (when (equal (aitoearn--job-log-id j) log-id)
                                     (cl-pushnew (aitoearn--job-status j) statuses :test #'equal)))
                                 aitoearn--jobs)
                        (and (> (buffer-size) 0) (buffer-string))))
                     (format "![a slow tortoise](images/%s-1.png)" log-id)))
      (should (member "generating" statuses))
      (should (aitoearn-tests--png-p (expand-file-name (format "images/%s-1.png" log-id) dir))))))

(ert-deftest aitoearn-jobs-lists-both-kinds-and-links-a-video ()
  "Both kinds are listed newest first; with a prefix argument, one kind: a video is linked as a video."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-video-model "sim-video"))
      (aitoearn-tests--visit dir "a.md")
      (aitoearn-generate "a cat")
      (aitoearn-tests--wait (> (buffer-size) 0))
      (let ((log-id aitoearn--last-log-id))
        (erase-buffer)
        (aitoearn-video "a paper boat")
        (aitoearn-tests--wait (> (buffer-size) 0))
        (let ((task-id aitoearn--last-log-id))
          (erase-buffer)
          (insert "Intro\n")
          (aitoearn-tests--picking nil
            (should (eq (condition-case nil (call-interactively #'aitoearn-jobs) (quit 'quit)) 'quit))
            (let ((shown (cdar offered)))
              (should (= 2 (length shown)))
              (should (string-match-p (concat "\\`video · success · sim-video · " aitoearn-tests--when " · " task-id "\\'")
                                      (nth 0 shown)))
              (should (string-match-p (concat "\\`image · success · sim-image · generation · " aitoearn-tests--when
                                              " · " log-id "\\'")
                                      (nth 1 shown)))))
          (accept-process-output nil 0.2)
          (should (equal (buffer-string) "Intro\n"))
          (should (= 0 (hash-table-count aitoearn--jobs)))
          (aitoearn-tests--picking task-id
            (let ((current-prefix-arg '(4)))
              (call-interactively #'aitoearn-jobs))
            (should (equal (mapcar #'car offered) '("AiToEarn job: " "Jobs of kind: ")))
            (should (= 1 (length (cdar offered)))))
          (should (equal (aitoearn-tests--wait (and (> (buffer-size) 6) (buffer-string)))
                         (format "Intro\n[a paper boat](videos/%s.mp4)" task-id)))
          (should (aitoearn-tests--mp4-p (expand-file-name (format "videos/%s.mp4" task-id) dir))))))))

(ert-deftest aitoearn-jobs-failed-job-shows-its-error ()
  "M-x aitoearn-jobs on a failed job shows its error and inserts nothing."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-model "sim-image-fail"))
      (aitoearn-tests--visit dir "f.md")
      (aitoearn-generate "a doomed cat")
      (aitoearn-tests--wait (and aitoearn--last-log-id (= 0 (hash-table-count aitoearn--jobs))))
      (let ((log-id aitoearn--last-log-id)
            (mark (aitoearn-tests--messages-mark)))
        (insert "Text")
        (aitoearn-tests--picking log-id
          (call-interactively #'aitoearn-jobs)
          (should (string-match-p "\\`image · failed · sim-image-fail · " (cadr (car offered)))))
        (aitoearn-tests--wait (string-match-p " failed: " (aitoearn-tests--messages-since mark)))
        (accept-process-output nil 0.3)
        (should (equal (split-string (aitoearn-tests--messages-since mark) "\n" t)
                       (list (format "AiToEarn: job %s failed: Simulated failure (model sim-image-fail)." log-id))))
        (should (equal (buffer-string) "Text"))
        (should-not (file-exists-p (expand-file-name "images" dir)))))))

(ert-deftest aitoearn-jobs-none-yet-or-an-unknown-kind ()
  "No jobs yet: one message, no list; an unknown kind: one error, nothing asked."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (aitoearn-tests--visit dir "n.md")
    (insert "Text")
    (aitoearn-tests--picking ""
      (let ((mark (aitoearn-tests--messages-mark)))
        (should-not (call-interactively #'aitoearn-jobs))
        (should (equal (aitoearn-tests--messages-since mark) "AiToEarn: you have no jobs yet\n")))
      (let ((err (should-error (aitoearn-jobs "pictures") :type 'user-error)))
        (should (string-match-p "no job kind \"pictures\"" (cadr err))))
      (should-not offered))
    (should (equal (buffer-string) "Text"))))

(ert-deftest aitoearn-status-bad-id ()
  "A malformed logId gives the adapter's error as one message."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((mark (aitoearn-tests--messages-mark)))
      (should-not (aitoearn-status "nope"))
      (should (string-match-p "AiToEarn: " (aitoearn-tests--messages-since mark))))))

(ert-deftest aitoearn-failed-job-inserts-nothing ()
  "A job that fails shows an error and inserts nothing."
  (aitoearn-tests--with (cons aitoearn-tests--bin aitoearn-tests--fast)
    (let ((aitoearn-model "sim-image-fail")
          (mark (aitoearn-tests--messages-mark)))
      (aitoearn-tests--visit dir "f.md")
      (aitoearn-generate "a doomed cat")
      (aitoearn-tests--wait (= 0 (hash-table-count aitoearn--jobs)))
      (should (string-match-p "AiToEarn: " (aitoearn-tests--messages-since mark)))
      (should (equal (buffer-string) "")))))

(ert-deftest aitoearn-missing-binary ()
  "A missing adapter: one clear message, no prompt, nothing inserted."
  (aitoearn-tests--with (list "/nonexistent/aitoearn-rpc" "--simulate")
    (aitoearn-tests--visit dir "m.md")
    (aitoearn-tests--answering "a red fox" "sim-image"
      (let ((err (should-error (call-interactively #'aitoearn-generate) :type 'user-error)))
        (should (string-match-p "not found" (cadr err)))
        (should (string-match-p "aitoearn-command" (cadr err)))
        (dolist (how '("uv tool install aitoearn-rpc" "pipx install aitoearn-rpc" "release archive"))
          (should (string-match-p (regexp-quote how) (cadr err)))))
      (should-not asked)
      (should-error (aitoearn-generate "a red fox") :type 'user-error))
    (should (equal (buffer-string) ""))))

(ert-deftest aitoearn-no-api-key ()
  "Real-service mode with no key: one clear message, nothing inserted."
  ;; No --simulate and no key: the adapter answers -32001 without any HTTP request.
  ;; The base URL is a closed loopback port, so nothing can leave the machine.
  (aitoearn-tests--with (list aitoearn-tests--bin "--base-url" "http://127.0.0.1:9"
                              "--retry-base-delay-ms" "10")
    (should-not (getenv "AITOEARN_API_KEY"))
    (aitoearn-tests--visit dir "k.md")
    (let ((mark (aitoearn-tests--messages-mark)))
      (aitoearn-tests--answering "a red fox" "unused"
        (call-interactively #'aitoearn-generate))
      (aitoearn-tests--wait (= 0 (hash-table-count aitoearn--jobs)))
      (accept-process-output nil 0.2)
      (let ((messages (aitoearn-tests--messages-since mark)))
        (should (string-match-p "AITOEARN_API_KEY" messages))
        (should (= 1 (cl-count-if (lambda (l) (string-prefix-p "AiToEarn: " l))
                                  (split-string messages "\n" t))))))
    (should (equal (buffer-string) ""))
    (should (equal (aitoearn-tests--wait
                    (and (equal (aitoearn-mode-line) "AiToEarn: set API key") (aitoearn-mode-line))
                    5)
                   "AiToEarn: set API key"))))

(ert-deftest aitoearn-doctor-reports-the-adapters-path-and-version ()
  "`aitoearn-doctor' (the Emacs `:checkhealth'): the adapter's version and path, all OK."
  (aitoearn-tests--with (list aitoearn-tests--bin "--simulate")
    (let ((report (aitoearn-doctor)))
      (should (equal (mapcar #'car report) '(ok ok)))
      (should (string-match-p (regexp-quote (format "aitoearn-rpc %s at %s" aitoearn-version aitoearn-tests--bin))
                              (cadr (car report))))
      (should (string-match-p "OK: AiToEarn: adapter"
                              (with-current-buffer "*aitoearn doctor*" (buffer-string)))))))

(ert-deftest aitoearn-doctor-warns-about-an-older-adapter ()
  "An adapter older than `aitoearn-version' is a warning that says how to upgrade."
  (let ((old (make-temp-file "old-aitoearn-rpc")))
    (unwind-protect
        (progn
          (with-temp-file old (insert "#!/bin/sh\necho 'aitoearn-rpc 0.0.1'\n"))
          (set-file-modes old #o755)
          (aitoearn-tests--with (list old "--simulate")
            (let ((finding (car (aitoearn-doctor))))
              (should (eq (car finding) 'warning))
              (should (string-match-p (regexp-quote (format "0.0.1, older than %s" aitoearn-version)) (cadr finding)))
              (should (string-match-p "uv tool upgrade aitoearn-rpc" (cadr finding))))))
      (delete-file old))))

(ert-deftest aitoearn-doctor-reports-a-missing-adapter ()
  "No adapter: an error saying how to install it."
  (aitoearn-tests--with (list "/nonexistent/aitoearn-rpc")
    (let ((finding (car (aitoearn-doctor))))
      (should (eq (car finding) 'error))
      (should (string-match-p "uv tool install aitoearn-rpc" (cadr finding))))))

(provide 'aitoearn-tests)
;;; aitoearn-tests.el ends here
