--------------------------- MODULE LibraUpgrade ---------------------------
(* The shipped model models/libra_framework_upgrade.fork in TLA+, written to be checked by *)
(* TLC with the same distinct-state counts as forkproof's explicit engine without symmetry: *)
(* the 0L framework hot upgrade, one proposal at a time, propose -> vote -> resolve. The     *)
(* comments of the .fork file give the source and the abstractions; this module follows it  *)
(* action by action. Enum values are strings; RULE is "Code" or "Intended".                 *)
(* The liveness properties of the .fork file are left out: the comparison is safety only.  *)
EXTENDS Naturals, FiniteSets, TLC

CONSTANTS N,     \* validators in the epoch's set, N >= 1
          RULE   \* "Code" or "Intended"

ASSUME N \in Nat /\ N >= 1 /\ RULE \in {"Code", "Intended"}

Validators == 1..N
Ballots == {"Unvoted", "Yes", "No"}
Statuses == {"Idle", "Voting", "Resolved"}
Scripts == {"Built", "Tampered"}

VARIABLES ballot,          \* ballot[v]: validator v's vote on the open proposal
          status,
          registered,      \* the script whose hash the open proposal carries
          expired,         \* the voting period of the open proposal is over
          resolutions,     \* how often the open proposal was resolved, 0..2
          ran,             \* what the last resolution did (history for the invariants)
          ran_script,
          ran_registered,
          ran_yes          \* 0..N

vars == <<ballot, status, registered, expired, resolutions, ran, ran_script, ran_registered, ran_yes>>

\* forkproof's range-typed variables: a value written outside the range is a runtime error
InRange(x, lo, hi) == Assert(x \in lo..hi, "value outside its range")

Yes == Cardinality({v \in Validators : ballot[v] = "Yes"})
No == Cardinality({v \in Validators : ballot[v] = "No"})
\* the code's threshold, fixed when the proposal is created
T == (N \div 3) * 2 + 1
Closed == expired \/ Yes >= T \/ No >= T

\* voting.move: a closed proposal succeeded iff yes > no and yes + no >= T
CodeRule == Yes > No /\ Yes + No >= T
\* the intent: more than 2/3 of the epoch's validators voted yes (yes > 2/3 * N over the rationals)
IntendedRule == 3 * Yes > 2 * N

Resolvable == status = "Voting" /\ IF RULE = "Code" THEN Closed /\ CodeRule ELSE IntendedRule
Failed == status = "Voting" /\ expired /\ ~Resolvable

Init == /\ ballot = [v \in Validators |-> "Unvoted"]
        /\ status = "Idle"
        /\ registered = "Built"
        /\ expired = FALSE
        /\ resolutions = 0
        /\ ran = FALSE
        /\ ran_script = "Built"
        /\ ran_registered = "Built"
        /\ ran_yes = 0

\* step 4: anyone proposes, registering the hash of the script built in step 2
Propose == /\ status = "Idle" \/ Failed
           /\ status' = "Voting"
           /\ registered' = "Built"
           /\ expired' = FALSE
           /\ resolutions' = 0
           /\ ballot' = [v \in Validators |-> "Unvoted"]
           /\ UNCHANGED <<ran, ran_script, ran_registered, ran_yes>>

\* step 5: each validator of the epoch votes once, for or against (--should-fail)
Vote(v, approve) == /\ status = "Voting"
                    /\ ~expired
                    /\ ballot[v] = "Unvoted"
                    /\ ballot' = [ballot EXCEPT ![v] = IF approve THEN "Yes" ELSE "No"]
                    /\ UNCHANGED <<status, registered, expired, resolutions, ran, ran_script, ran_registered, ran_yes>>

Expire == /\ status = "Voting"
          /\ ~expired
          /\ expired' = TRUE
          /\ UNCHANGED <<ballot, status, registered, resolutions, ran, ran_script, ran_registered, ran_yes>>

\* step 6: anyone resolves with a script; it runs only if its hash is the registered one
Resolve(s) == /\ Resolvable
              /\ s = registered
              /\ status' = "Resolved"
              /\ InRange(resolutions + 1, 0, 2)
              /\ resolutions' = resolutions + 1
              /\ ran' = TRUE
              /\ ran_script' = s
              /\ ran_registered' = registered
              /\ InRange(Yes, 0, N)
              /\ ran_yes' = Yes
              /\ UNCHANGED <<ballot, registered, expired>>

\* the new framework is written and a new epoch starts
NewEpoch == /\ status = "Resolved"
            /\ status' = "Idle"
            /\ UNCHANGED <<ballot, registered, expired, resolutions, ran, ran_script, ran_registered, ran_yes>>

Next == \/ Propose
        \/ \E v \in Validators, approve \in BOOLEAN : Vote(v, approve)
        \/ Expire
        \/ \E s \in Scripts : Resolve(s)
        \/ NewEpoch

Spec == Init /\ [][Next]_vars

TypeOK == /\ ballot \in [Validators -> Ballots]
          /\ status \in Statuses
          /\ registered \in Scripts
          /\ expired \in BOOLEAN
          /\ resolutions \in 0..2
          /\ ran \in BOOLEAN
          /\ ran_script \in Scripts
          /\ ran_registered \in Scripts
          /\ ran_yes \in 0..N

\* forkproof searches on past a violated invariant and reports its first (shortest) trace;
\* TLC with -continue would print a trace for every violating state (about half the states of
\* RULE = "Code"). ReportOnce(i, P) is P until the first state that violates P, TRUE after it
\* (TLC register i; the registers are shared by one worker): with -workers 1 -continue, TLC
\* checks every state and prints each invariant's first violation, found breadth-first.
\* Without -continue it is P: TLC stops at the first violation.
ASSUME \A i \in 1..4 : TLCSet(i, FALSE)
ReportOnce(i, P) == P \/ TLCGet(i) \/ (TLCSet(i, TRUE) /\ FALSE)

OnlyRegisteredHashRuns == ReportOnce(1, ran => ran_script = ran_registered)
TamperedScriptNeverRuns == ReportOnce(2, ~(ran /\ ran_script = "Tampered"))
ResolvedAtMostOnce == ReportOnce(3, resolutions <= 1)
\* yes > 2/3 * N over the rationals
ResolvedHadTwoThirdsYes == ReportOnce(4, ran => 3 * ran_yes > 2 * N)
=============================================================================
