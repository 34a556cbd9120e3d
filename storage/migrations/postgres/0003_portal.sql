-- The provider portal's declarations about a dependant: the employee attests having
-- checked the dependant's identity (扶養控除等申告書), and a spouse filing as
-- 国民年金第3号被保険者 is flagged because the employer must verify them (documents too).
ALTER TABLE subjects ADD COLUMN identity_attested BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subjects ADD COLUMN category3_spouse BIGINT NOT NULL DEFAULT 0;
