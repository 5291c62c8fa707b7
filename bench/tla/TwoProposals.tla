--------------------------- MODULE TwoProposals ---------------------------
(* The benchmark model bench/models/two_proposals.fork in TLA+, written to be checked by  *)
(* TLC with the same distinct-state counts: the 0L framework hot upgrade with two          *)
(* proposals open at once, two script hashes and two epochs. The comments of the .fork     *)
(* file give the source and the abstractions; this module follows it action by action.     *)
(* `none` of an option is the string "none".                                                *)
EXTENDS Naturals, FiniteSets, TLC

CONSTANT Validators                \* the epoch's validator set, N model values

N == Cardinality(Validators)
Props == {"P1", "P2"}
Hashes == {"H1", "H2"}
Ballots == {"Unvoted", "Yes", "No"}
Stages == {"Idle", "Voting", "Resolved"}

VARIABLES ballot,      \* ballot[v][p]: validator v's vote on proposal p
          stage,       \* stage[p]
          registered,  \* registered[p]: the script hash proposal p carries, or "none"
          epoch,       \* 0, then 1 after the first upgrade
          applied      \* the hash of the last script the chain ran, or "none"

vars == <<ballot, stage, registered, epoch, applied>>

Yes(p) == Cardinality({v \in Validators : ballot[v][p] = "Yes"})
Cast(p) == Cardinality({v \in Validators : ballot[v][p] # "Unvoted"})

\* step 5: "Resolvable" once more than 2/3 of the epoch's validators voted yes
Passed(p) == 3 * Yes(p) > 2 * N

Init == /\ ballot = [v \in Validators |-> [p \in Props |-> "Unvoted"]]
        /\ stage = [p \in Props |-> "Idle"]
        /\ registered = [p \in Props |-> "none"]
        /\ epoch = 0
        /\ applied = "none"

\* step 4: anyone proposes, registering the hash of the script built in step 2
Propose(p, h) == /\ stage[p] = "Idle"
                 /\ stage' = [stage EXCEPT ![p] = "Voting"]
                 /\ registered' = [registered EXCEPT ![p] = h]
                 /\ UNCHANGED <<ballot, epoch, applied>>

\* step 5: each validator votes once per proposal, for or against (--should-fail)
Vote(v, p, approve) == /\ stage[p] = "Voting"
                       /\ ballot[v][p] = "Unvoted"
                       /\ ballot' = [ballot EXCEPT ![v][p] = IF approve THEN "Yes" ELSE "No"]
                       /\ UNCHANGED <<stage, registered, epoch, applied>>

\* step 6: anyone resolves a passed proposal with a script; it runs only if its hash is the
\* registered one. The framework is written and a new epoch starts: the ballots on the other
\* proposal, if it is still open, were cast in the old epoch and are reset.
Resolve(p, s) == /\ stage[p] = "Voting"
                 /\ Passed(p)
                 /\ registered[p] = s
                 /\ stage' = [stage EXCEPT ![p] = "Resolved"]
                 /\ applied' = s
                 /\ epoch' = 1
                 /\ ballot' = [v \in Validators |-> [q \in Props |->
                                 IF q # p /\ stage[q] = "Voting" THEN "Unvoted" ELSE ballot[v][q]]]
                 /\ UNCHANGED registered

\* once every proposal is resolved or stuck (every vote cast, not passed), blocks keep
\* coming: a stuttering step, so the end is not a deadlock
BlocksPass == /\ \A p \in Props : stage[p] = "Resolved" \/ (stage[p] = "Voting" /\ Cast(p) = N /\ ~Passed(p))
              /\ UNCHANGED vars

Next == \/ \E p \in Props, h \in Hashes : Propose(p, h)
        \/ \E v \in Validators, p \in Props, approve \in BOOLEAN : Vote(v, p, approve)
        \/ \E p \in Props, s \in Hashes : Resolve(p, s)
        \/ BlocksPass

Spec == Init /\ [][Next]_vars

TypeOK == /\ ballot \in [Validators -> [Props -> Ballots]]
          /\ stage \in [Props -> Stages]
          /\ registered \in [Props -> Hashes \cup {"none"}]
          /\ epoch \in {0, 1}
          /\ applied \in Hashes \cup {"none"}

ResolvedHadTwoThirdsYes == \A p \in Props : stage[p] = "Resolved" => 3 * Yes(p) > 2 * N
AppliedAResolvedHash == applied # "none" => \E p \in Props : stage[p] = "Resolved" /\ registered[p] = applied
NoVotesBeforeProposal == \A p \in Props : stage[p] = "Idle" => Cast(p) = 0 /\ registered[p] = "none"
NewEpochAfterUpgrade == epoch = 1 <=> \E p \in Props : stage[p] = "Resolved"
\* a step invariant: the chain only runs a script a proposal registered, as that proposal resolves
OnlyRegisteredHashRuns == [][applied' # applied =>
                              \E p \in Props : stage[p] = "Voting" /\ stage'[p] = "Resolved" /\ registered[p] = applied']_vars

Perms == Permutations(Validators)
=============================================================================
